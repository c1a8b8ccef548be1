import { request, type DeliberationEvent } from './client';

/**
 * A deliberation's Server-Sent Events read through fetch streaming, since EventSource cannot send the
 * Authorization header. Returns a function that stops reading. `onEnd` is called when the stream ends
 * (the run finished, or the service went away).
 */
export function followEvents(id: string, onEvent: (event: DeliberationEvent) => void, onEnd: () => void): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      const res = await request(`/v1/deliberations/${encodeURIComponent(id)}/events`, { signal: controller.signal, accept: 'text/event-stream' });
      if (!res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (const data of takeEvents(buffer)) onEvent(JSON.parse(data) as DeliberationEvent);
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
      }
    } catch {
      // Aborted on purpose, or the service went away (the connection banner says so).
    } finally {
      if (!controller.signal.aborted) onEnd();
    }
  })();
  return () => controller.abort();
}

/** The data lines of the complete events in a buffer (an event ends with a blank line). */
export function takeEvents(buffer: string): string[] {
  const end = buffer.lastIndexOf('\n\n');
  if (end < 0) return [];
  return buffer
    .slice(0, end)
    .split('\n\n')
    .map((chunk) =>
      chunk
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((data) => data.length > 0);
}
