import Anthropic from '@anthropic-ai/sdk';
import type { HttpAdapterConfig } from '@app/config';
import type { InvokeRequest } from '../adapter.types';
import { HttpAdapter, idempotencyHeader, PROBE_TIMEOUT_MS, type HttpAdapterOptions, type WireReply } from './http-adapter.base';
import { anthropicUsage } from './wire-usage';

/** /v1/messages requires max_tokens; used when the request sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/**
 * Anthropic `/v1/messages` through the official `@anthropic-ai/sdk`, retries and timeout off (HttpAdapter
 * owns them), body read with `.asResponse()` for the same reason as the OpenAI adapter.
 */
export class AnthropicAdapter extends HttpAdapter {
  private readonly client: Anthropic;

  constructor(config: HttpAdapterConfig, options: HttpAdapterOptions) {
    super(config, options);
    this.client = new Anthropic({
      baseURL: this.baseUrl,
      // Explicit nulls keep the SDK from reading ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN on its own.
      apiKey: this.apiKey ?? null,
      authToken: null,
      defaultHeaders: this.apiKey ? undefined : { 'x-api-key': null, Authorization: null },
      maxRetries: 0,
      timeout: config.timeoutMs,
      fetch: this.fetch,
    });
  }

  protected async send(request: InvokeRequest, signal: AbortSignal): Promise<WireReply> {
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: request.model,
      max_tokens: request.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: request.prompt }],
    };
    if (request.systemPrompt) body.system = request.systemPrompt;
    const res = await this.client.messages.create(body, { signal, maxRetries: 0, headers: idempotencyHeader(request) }).asResponse();
    const text = await res.text();
    const json = this.parseJson(text, request.model);
    const blocks = Array.isArray(json.content) ? (json.content as Array<{ type?: unknown; text?: unknown }>) : [];
    const texts = blocks.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text as string);
    if (texts.length === 0) throw this.badResponse('the response has no text content', text, request.model);
    return { text: texts.join(''), counts: anthropicUsage(json.usage), truncated: json.stop_reason === 'max_tokens' };
  }

  /** Through the SDK, so the probe authenticates exactly as calls do. */
  async probe(): Promise<boolean> {
    try {
      await this.client.models.list({}, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), maxRetries: 0 }).asResponse();
      return true;
    } catch {
      return false;
    }
  }
}
