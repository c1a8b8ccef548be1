import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError, DomainErrorKind } from '@app/config';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  rule_violated: 422,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

function reason(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().replace(/(^|_)(\w)/g, (_, s: string, c: string) => (s ? ' ' : '') + c.toUpperCase()) : 'Error';
}

/** Body-parser errors carry a status and a type (entity.too.large, entity.parse.failed, ...). */
function isParserError(e: unknown): e is { status: number; type: string; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string' && typeof (e as { status?: unknown }).status === 'number';
}

function parserBody(statusCode: number, type: string, fallback: string): ErrorBody {
  const message =
    type === 'entity.too.large'
      ? 'request body is too large; send at most server.bodyLimitBytes bytes'
      : type === 'entity.parse.failed'
        ? 'request body is not valid JSON'
        : fallback;
  return { statusCode, error: reason(statusCode), message };
}

/**
 * The error shape of an error, for every face of the service (the REST filter below and the MCP tools,
 * whose tool errors carry the same message). `unexpected` is told of an error that is not one of ours
 * (a 500), with the errorId the body carries.
 */
export function errorBody(e: unknown, unexpected: (errorId: string, error: unknown) => void): ErrorBody {
  if (e instanceof DomainError) {
    const statusCode = STATUS_OF[e.kind];
    return { statusCode, error: reason(statusCode), message: e.message, details: { code: e.code, ...e.details } };
  }
  // Express's adapter wraps body-parser errors in an HttpException; their type says what went wrong.
  if (e instanceof HttpException && (isParserError(e.cause) || e.cause instanceof SyntaxError)) {
    return parserBody(e.getStatus(), isParserError(e.cause) ? e.cause.type : 'entity.parse.failed', e.message);
  }
  if (e instanceof HttpException) {
    const statusCode = e.getStatus();
    const payload = e.getResponse();
    if (typeof payload === 'string') return { statusCode, error: reason(statusCode), message: payload };
    const p = payload as { message?: unknown; details?: unknown };
    const message = Array.isArray(p.message) ? p.message.join('; ') : String(p.message ?? e.message);
    return { statusCode, error: reason(statusCode), message, ...(p.details !== undefined ? { details: p.details } : {}) };
  }
  if (isParserError(e) && e.status >= 400 && e.status < 500) return parserBody(e.status, e.type, e.message);
  const errorId = randomUUID();
  unexpected(errorId, e);
  return { statusCode: 500, error: 'Internal Server Error', message: 'unexpected error; quote errorId when reporting it', details: { errorId } };
}

/**
 * Maps every error to `{ statusCode, error, message, details? }`. Unexpected errors become a 500 with an
 * errorId; their stack is logged once and never sent.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = errorBody(exception, (errorId, err) => this.logger.error({ errorId, err }, `unexpected error ${errorId}`));
    if (response.headersSent) {
      response.end();
      return;
    }
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }
}
