import type { InvokeRequest } from '../adapter.types';
import { HttpAdapter, type WireReply } from './http-adapter.base';
import { geminiUsage } from './wire-usage';

/**
 * Gemini `generateContent` with plain fetch: one POST, so the `@google/genai` SDK would add a dependency
 * and its own retry layer for nothing. The key travels in `x-goog-api-key`, never in the URL, so it cannot
 * leak into logs of URLs or error messages.
 */
export class GeminiAdapter extends HttpAdapter {
  protected async send(request: InvokeRequest, signal: AbortSignal): Promise<WireReply> {
    const body: Record<string, unknown> = { contents: [{ role: 'user', parts: [{ text: request.prompt }] }] };
    if (request.systemPrompt) body.systemInstruction = { parts: [{ text: request.systemPrompt }] };
    if (request.maxOutputTokens) body.generationConfig = { maxOutputTokens: request.maxOutputTokens };
    const url = `${this.baseUrl}/v1beta/models/${encodeURIComponent(request.model)}:generateContent`;
    const json = await this.postJson(url, body, this.keyHeader(), signal, request.model);
    const candidates = json.candidates;
    if (!Array.isArray(candidates) || candidates.length === 0) {
      throw this.badResponse('the response has no candidates', JSON.stringify(json), request.model);
    }
    const first = candidates[0] as { content?: { parts?: Array<{ text?: unknown; thought?: unknown }> }; finishReason?: unknown };
    const parts = first.content?.parts;
    // Parts flagged `thought` are the model's thinking summary, not its answer.
    const texts = (parts ?? []).filter((p) => typeof p.text === 'string' && p.thought !== true).map((p) => p.text as string);
    if (texts.length === 0) throw this.badResponse('the first candidate has no text', JSON.stringify(json), request.model);
    return { text: texts.join(''), counts: geminiUsage(json.usageMetadata), truncated: first.finishReason === 'MAX_TOKENS' };
  }

  probe(): Promise<boolean> {
    return this.probeGet(`${this.baseUrl}/v1beta/models`, this.keyHeader());
  }

  private keyHeader(): Record<string, string> {
    return this.apiKey ? { 'x-goog-api-key': this.apiKey } : {};
  }
}
