import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { PUBLIC_ROUTE, type PublicWhen } from './public.decorator';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * When an API key is configured, every route needs `Authorization: Bearer <key>` unless its handler or
 * controller is marked `@Public()`: secure by default, so a new controller cannot be left open by
 * forgetting a path prefix. Swagger's `/docs` is Express middleware, not a route, and stays open.
 * Both sides are hashed first so the comparison is constant-time whatever the lengths.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly reflector: Reflector,
  ) {
    this.expected = config.server.apiKey ? digest(config.server.apiKey) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const open = this.reflector.getAllAndOverride<PublicWhen | undefined>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (open?.(this.config)) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new UnauthorizedException('send the API key as "Authorization: Bearer <key>"');
  }
}
