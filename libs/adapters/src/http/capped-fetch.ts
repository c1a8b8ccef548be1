/** Thrown from a capped response body once more than the cap arrived; HttpAdapter maps it to response_too_large. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`the response passed ${maxBytes} bytes`);
  }
}

/**
 * A fetch whose response bodies stop at `maxBytes`: each chunk is counted as it arrives, and the chunk that
 * passes the cap errors the body with ResponseTooLargeError and cancels the rest of the download (the
 * connection closes). Whoever reads the body (our code, or the SDKs' `.text()`/`.json()`) never holds more
 * than the cap, and an endless stream is cut as soon as the cap is reached instead of at the deadline.
 * Given to the openai and anthropic SDKs as their `fetch`, and used by the plain-fetch wires.
 */
export function cappedFetch(maxBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    let received = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        received += value.byteLength;
        if (received > maxBytes) {
          controller.error(new ResponseTooLargeError(maxBytes));
          await reader.cancel().catch(() => undefined);
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    const capped = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    // The SDKs log the URL; a constructed Response has none of its own.
    Object.defineProperty(capped, 'url', { value: res.url });
    return capped;
  };
}
