import OpenAI from 'openai';
import type { HttpAdapterConfig } from '@app/config';
import type { InvokeRequest } from '../adapter.types';
import { HttpAdapter, idempotencyHeader, PROBE_TIMEOUT_MS, type HttpAdapterOptions, type WireEmbeddings, type WireReply } from './http-adapter.base';
import { openAiUsage, responsesUsage } from './wire-usage';

/**
 * OpenAI, OpenRouter, LM Studio and llama.cpp's server (`/v1/chat/completions`), through the official
 * `openai` SDK: it builds the request and maps non-2xx answers to APIError (status, headers, body).
 * Its own retries and timeout are off because HttpAdapter retries with one deadline for the whole call.
 * The body is read with `.asResponse()` so a malformed 2xx body becomes a bad_response with an excerpt
 * instead of the SDK's bare SyntaxError.
 */
export class OpenAiCompatibleAdapter extends HttpAdapter {
  private readonly client: OpenAI;
  private readonly api: 'chat' | 'responses';

  constructor(config: HttpAdapterConfig, options: HttpAdapterOptions) {
    super(config, options);
    this.api = config.api;
    this.client = new OpenAI({
      baseURL: this.baseUrl,
      // Always explicit so the SDK never reads OPENAI_API_KEY itself; local servers need no key, and a
      // null Authorization header tells the SDK that is intended.
      apiKey: this.apiKey ?? 'unused',
      defaultHeaders: this.apiKey ? undefined : { Authorization: null },
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: config.timeoutMs,
      fetch: this.fetch,
    });
  }

  protected async send(request: InvokeRequest, signal: AbortSignal): Promise<WireReply> {
    if (this.api === 'responses') return this.sendResponses(request, signal);
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
    if (request.systemPrompt) messages.push({ role: 'system', content: request.systemPrompt });
    messages.push({ role: 'user', content: request.prompt });
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = { model: request.model, messages };
    // Reasoning models reject max_tokens; max_completion_tokens is what current servers accept, and the
    // local servers (LM Studio, llama.cpp) accept it too.
    if (request.maxOutputTokens) body.max_completion_tokens = request.maxOutputTokens;
    const res = await this.client.chat.completions.create(body, { signal, maxRetries: 0, headers: idempotencyHeader(request) }).asResponse();
    const text = await res.text();
    const json = this.parseJson(text, request.model);
    const choices = json.choices;
    if (!Array.isArray(choices) || choices.length === 0) throw this.badResponse('the response has no choices', text, request.model);
    const message = (choices[0] as { message?: { content?: unknown; refusal?: unknown } }).message;
    const content = typeof message?.content === 'string' ? message.content : typeof message?.refusal === 'string' ? message.refusal : undefined;
    if (content === undefined) throw this.badResponse('the first choice has no text content', text, request.model);
    const truncated = (choices[0] as { finish_reason?: unknown }).finish_reason === 'length';
    return { text: content, counts: openAiUsage(json.usage), truncated };
  }

  /**
   * `/v1/responses` (api: responses), for models served only there. The answer is the text of the output's
   * message items (reasoning items are not the answer); a refusal counts as the answer, as on the chat wire.
   * `status: "incomplete"` for max_output_tokens is a truncated answer, possibly empty.
   */
  private async sendResponses(request: InvokeRequest, signal: AbortSignal): Promise<WireReply> {
    const body: OpenAI.Responses.ResponseCreateParamsNonStreaming = { model: request.model, input: request.prompt, store: false };
    if (request.systemPrompt) body.instructions = request.systemPrompt;
    if (request.maxOutputTokens) body.max_output_tokens = request.maxOutputTokens;
    const res = await this.client.responses.create(body, { signal, maxRetries: 0, headers: idempotencyHeader(request) }).asResponse();
    const text = await res.text();
    const json = this.parseJson(text, request.model);
    const truncated = json.status === 'incomplete' && (json.incomplete_details as { reason?: unknown } | null | undefined)?.reason === 'max_output_tokens';
    const items = Array.isArray(json.output) ? (json.output as Array<{ type?: unknown; content?: unknown }>) : [];
    const parts = items
      .filter((item) => item.type === 'message' && Array.isArray(item.content))
      .flatMap((item) => item.content as Array<{ type?: unknown; text?: unknown; refusal?: unknown }>)
      .map((part) =>
        part.type === 'output_text' && typeof part.text === 'string'
          ? part.text
          : part.type === 'refusal' && typeof part.refusal === 'string'
            ? part.refusal
            : undefined,
      )
      .filter((t): t is string => t !== undefined);
    if (parts.length === 0 && !truncated) throw this.badResponse('the response has no output text', text, request.model);
    return { text: parts.join(''), counts: responsesUsage(json.usage), truncated };
  }

  /** `/v1/embeddings`; floats asked for explicitly (the SDK's default is base64, which only it decodes). */
  protected override async sendEmbeddings(texts: string[], model: string, signal: AbortSignal): Promise<WireEmbeddings> {
    const res = await this.client.embeddings.create({ model, input: texts, encoding_format: 'float' }, { signal, maxRetries: 0 }).asResponse();
    const text = await res.text();
    const json = this.parseJson(text, model);
    if (!Array.isArray(json.data)) throw this.badResponse('the embeddings response has no data', text, model);
    const rows = (json.data as Array<{ index?: unknown; embedding?: unknown }>).slice().sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
    const promptTokens = (json.usage as { prompt_tokens?: unknown } | undefined)?.prompt_tokens;
    return { vectors: rows.map((r) => r.embedding as number[]), inputTokens: typeof promptTokens === 'number' ? promptTokens : undefined };
  }

  async probe(): Promise<boolean> {
    try {
      await this.client.models.list({ signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), maxRetries: 0 }).asResponse();
      return true;
    } catch {
      return false;
    }
  }
}
