import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * When an API key is configured, every /v1 route needs `Authorization: Bearer <key>`. Both sides are
 * hashed first so the comparison is constant-time whatever the lengths.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(CONCLAVE_CONFIG) config: ConclaveConfig) {
    this.expected = config.server.apiKey ? digest(config.server.apiKey) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.path.startsWith('/v1/') && request.path !== '/v1') return true;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new UnauthorizedException('send the API key as "Authorization: Bearer <key>"');
  }
}
