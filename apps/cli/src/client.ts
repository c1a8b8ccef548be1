/**
 * The service over HTTP, as the CLI uses it: JSON in and out with the bearer key, the API's error shape
 * turned into an ApiError carrying its message, and a deliberation's event stream read through fetch
 * (EventSource cannot send the key).
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

export interface StreamEvent {
  seq: number;
  type: string;
  data: any;
}

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly key: string | undefined,
  ) {}

  get<T = any>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body ?? {});
  }

  async text(path: string): Promise<string> {
    const res = await this.fetch('GET', path);
    if (!res.ok) throw await errorOf(res);
    return res.text();
  }

  /**
   * Reads the deliberation's events (the story so far first, then live) until a terminal event or the
   * signal; `onEvent` sees each in order. Resolves with the last event.
   */
  async follow(id: string, onEvent: (e: StreamEvent) => Promise<void> | void, signal?: AbortSignal): Promise<StreamEvent | null> {
    const res = await this.fetch('GET', `/v1/deliberations/${encodeURIComponent(id)}/events`, undefined, signal);
    if (!res.ok || !res.body) throw await errorOf(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let last: StreamEvent | null = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return last;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = chunk.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          last = JSON.parse(data.slice(6)) as StreamEvent;
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

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  private async fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: body === undefined && path.endsWith('/events') ? 'text/event-stream' : 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    try {
      return await fetch(new URL(path, this.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, `cannot reach the service at ${this.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); start it with "npm start" or pass --embedded`);
    }
  }
}

/** The API's error shape `{ statusCode, error, message, details? }` as one message. */
async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: unknown };
    const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : text;
    return new ApiError(res.status, `${res.status} ${message}`);
  } catch {
    return new ApiError(res.status, `${res.status} ${text.slice(0, 300) || res.statusText}`);
  }
}
