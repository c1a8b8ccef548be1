import type { InvokeRequest } from '../adapter.types';
import { HttpAdapter, type WireEmbeddings, type WireReply } from './http-adapter.base';
import { ollamaUsage } from './wire-usage';

/**
 * Ollama `/api/chat` with plain fetch. The `ollama` package (0.6.4) takes no per-request AbortSignal for
 * non-streaming calls (only `abort()` of every stream of a client) and its ResponseError drops the headers,
 * so neither cancellation nor Retry-After would work through it.
 */
export class OllamaAdapter extends HttpAdapter {
  protected async send(request: InvokeRequest, signal: AbortSignal): Promise<WireReply> {
    const messages: Array<{ role: string; content: string }> = [];
    if (request.systemPrompt) messages.push({ role: 'system', content: request.systemPrompt });
    messages.push({ role: 'user', content: request.prompt });
    const body: Record<string, unknown> = { model: request.model, messages, stream: false };
    if (request.maxOutputTokens) body.options = { num_predict: request.maxOutputTokens };
    const json = await this.postJson(`${this.baseUrl}/api/chat`, body, this.authHeaders(), signal, request.model);
    const content = (json.message as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string') throw this.badResponse('the response has no message content', JSON.stringify(json), request.model);
    const usage = ollamaUsage(json);
    return { text: content, counts: usage?.counts, complete: usage?.complete, truncated: json.done_reason === 'length' };
  }

  /** `/api/embed` (the batch endpoint); `prompt_eval_count` is its usage when sent. */
  protected override async sendEmbeddings(texts: string[], model: string, signal: AbortSignal): Promise<WireEmbeddings> {
    const json = await this.postJson(`${this.baseUrl}/api/embed`, { model, input: texts }, this.authHeaders(), signal, model);
    if (!Array.isArray(json.embeddings)) throw this.badResponse('the embed response has no embeddings', JSON.stringify(json).slice(0, 2000), model);
    const count = json.prompt_eval_count;
    return { vectors: json.embeddings as number[][], inputTokens: typeof count === 'number' ? count : undefined };
  }

  probe(): Promise<boolean> {
    return this.probeGet(`${this.baseUrl}/api/tags`, this.authHeaders());
  }

  /** Ollama itself needs no key; a proxy in front of it (or ollama.com) may want a bearer token. */
  private authHeaders(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }
}
