import type { DeliberationEvent } from '@app/deliberation';
import { SseParser } from './sse';

/**
 * The service over HTTP, as the CLI uses it: JSON in and out with the bearer key, the API's error shape
 * `{ statusCode, error, message, details? }` turned into an ApiError carrying its message (exit 3), and a
 * deliberation's event stream read through fetch streaming (EventSource cannot send the key).
 */

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The HTTP status; 0 when the service could not be reached. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API's error body as one message: "404 Not Found: deliberation … not found (…details)". */
export function errorMessage(status: number, statusText: string, body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed) {
    const { message, error, details } = parsed as { message: unknown; error?: unknown; details?: unknown };
    const text = Array.isArray(message) ? message.map(String).join('; ') : String(message);
    const kind = typeof error === 'string' && error ? error : statusText;
    const extra = details !== undefined && details !== null && !Array.isArray(message) ? detailText(details) : '';
    return `${status}${kind ? ` ${kind}` : ''}: ${text}${extra ? ` (${extra})` : ''}`;
  }
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `${status}${statusText ? ` ${statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
}

function detailText(details: unknown): string {
  if (Array.isArray(details)) return details.map((d) => (typeof d === 'string' ? d : JSON.stringify(d))).join('; ');
  if (typeof details === 'object') {
    return Object.entries(details as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  }
  return String(details);
}

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly key: string | undefined,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  async text(path: string): Promise<string> {
    const res = await this.send('GET', path, undefined, 'text/markdown');
    if (!res.ok) throw await apiErrorOf(res);
    return res.text();
  }

  /**
   * Reads a deliberation's events (what already happened first, then live) and hands each to `onEvent`
   * in order, until the stream ends (after its terminal event) or `signal` aborts. Resolves with the
   * last event seen.
   */
  async follow(id: string, onEvent: (e: DeliberationEvent) => void | Promise<void>, signal?: AbortSignal): Promise<DeliberationEvent | null> {
    const res = await this.send('GET', `/v1/deliberations/${encodeURIComponent(id)}/events`, undefined, 'text/event-stream', signal);
    if (!res.ok || !res.body) throw await apiErrorOf(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    let last: DeliberationEvent | null = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return last;
        for (const message of parser.push(value)) {
          if (!message.data) continue;
          last = JSON.parse(message.data) as DeliberationEvent;
          await onEvent(last);
        }
      }
    } catch (e) {
      if (signal?.aborted) return last;
      throw e;
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body, 'application/json');
    if (!res.ok) throw await apiErrorOf(res);
    return (await res.json()) as T;
  }

  private async send(method: string, path: string, body: unknown, accept: string, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    try {
      return await fetch(new URL(path, this.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      // fetch says only "fetch failed"; the cause names what happened (ECONNREFUSED, ENOTFOUND, …).
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        0,
        `cannot reach the service at ${this.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); start it with "npm start", set --url / CONCLAVE_URL, or pass --embedded`,
      );
    }
  }
}

async function apiErrorOf(res: Response): Promise<ApiError> {
  const body = await res.text().catch(() => '');
  return new ApiError(res.status, errorMessage(res.status, res.statusText, body));
}
