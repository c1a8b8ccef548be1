import { TokenizerService } from '@app/tokens';
import { startProviderServer, type ProviderReply, type ProviderServer, type ProviderWire } from '../../../../test/fixtures/provider-server';
import { AdapterError, type InvokeRequest, type ModelAdapter } from '../adapter.types';
import { createAdapter } from '../adapter.factory';
import type { HttpProvider } from '../provider-defaults';
import { httpConfig } from '../testing/adapter-configs';

const KEY = 'sk-test-0123456789abcdefSECRET';
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
const REPLY_DELAY_MS = 60;

describe('HTTP adapters against loopback provider servers', () => {
  const tokenizer = new TokenizerService();
  const servers: ProviderServer[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(() => tokenizer.onModuleDestroy());

  async function setup(
    wire: ProviderWire,
    respond: (n: number) => ProviderReply,
    fields: { timeoutMs?: number; maxRetries?: number; apiKeyEnv?: string; maxResponseBytes?: number } = {},
  ): Promise<{ sut: ModelAdapter; server: ProviderServer }> {
    let n = 0;
    const server = await startProviderServer({ wire, respond: () => respond(++n) });
    servers.push(server);
    // The Responses wire is the openai provider with api: responses.
    const provider: HttpProvider = wire === 'openai-responses' ? 'openai' : wire;
    const api = wire === 'openai-responses' ? 'responses' : 'chat';
    const sut = createAdapter(httpConfig({ provider, api, baseUrl: server.baseUrl, ...fields }), {
      tokenizer,
      env: { TEST_KEY: KEY },
      retryPolicy: FAST_RETRY,
      random: () => 0.5,
    });
    return { sut, server };
  }

  function request(fields: Partial<InvokeRequest> = {}): InvokeRequest {
    return {
      prompt: 'Should billing move to webhooks?',
      systemPrompt: 'You are an architect.',
      model: 'model-x',
      signal: new AbortController().signal,
      ...fields,
    };
  }

  async function failure(promise: Promise<unknown>): Promise<AdapterError> {
    try {
      await promise;
    } catch (e) {
      expect(e).toBeInstanceOf(AdapterError);
      return e as AdapterError;
    }
    throw new Error('expected the call to fail');
  }

  const wires: ProviderWire[] = ['openai', 'anthropic', 'ollama', 'gemini', 'openai-responses'];

  describe.each(wires)('%s wire', (wire) => {
    it('should send the prompt, system prompt and model, and return the text with exact usage and the time it took', async () => {
      const { sut, server } = await setup(wire, () => ({ text: 'Use webhooks.', usage: { input: 120, output: 30 }, delayMs: REPLY_DELAY_MS }));

      const result = await sut.invoke(request());

      expect(result.text).toBe('Use webhooks.');
      expect(server.calls).toHaveLength(1);
      expect(server.calls[0]).toMatchObject({ model: 'model-x', prompt: 'Should billing move to webhooks?', system: 'You are an architect.' });
      expect(result.usage).toMatchObject({
        inputTokens: 120,
        outputTokens: 30,
        reasoningTokens: 0,
        cachedInputTokens: 0,
        totalTokens: 150,
        accuracy: 'exact',
        adapter: `http-${wire === 'openai-responses' ? 'openai' : wire}`,
        provider: wire === 'openai-responses' ? 'openai' : wire,
        model: 'model-x',
      });
      // At least the server's delay (less a millisecond or two of timer slack), and under the call's timeout.
      expect(result.latencyMs).toBeGreaterThanOrEqual(REPLY_DELAY_MS - 2);
      expect(result.latencyMs).toBeLessThan(httpConfig({ provider: wire === 'openai-responses' ? 'openai' : wire }).timeoutMs);
    });

    it('should estimate usage with tiktoken when the response has none', async () => {
      const { sut } = await setup(wire, () => ({ text: 'Adopt webhooks with reconciliation polling.', usage: null }));

      const result = await sut.invoke(request());

      const input = tokenizer.count('Should billing move to webhooks?', 'model-x') + tokenizer.count('You are an architect.', 'model-x');
      const output = tokenizer.count('Adopt webhooks with reconciliation polling.', 'model-x');
      expect(result.usage).toMatchObject({ inputTokens: input, outputTokens: output, reasoningTokens: 0, totalTokens: input + output, accuracy: 'estimated' });
      expect(input).toBeGreaterThan(5);
    });

    it('should retry two 500s and then succeed', async () => {
      const { sut, server } = await setup(wire, (n) => (n <= 2 ? { status: 500, text: 'boom' } : { text: 'third time', usage: { input: 3, output: 2 } }));

      const result = await sut.invoke(request());

      expect(result.text).toBe('third time');
      expect(server.calls).toHaveLength(3);
      expect(result.usage.accuracy).toBe('exact');
    });

    it('should fail with timeout when the server hangs past timeoutMs, without retrying', async () => {
      const { sut, server } = await setup(wire, () => ({ hang: true }), { timeoutMs: 300 });
      const started = Date.now();

      const error = await failure(sut.invoke(request()));

      expect(error.kind).toBe('timeout');
      expect(error.usage).toMatchObject({ accuracy: 'unavailable', totalTokens: 0, inputTokens: 0 });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(server.calls).toHaveLength(1);
    });

    it('should fail with bad_response carrying an excerpt when the body is malformed JSON', async () => {
      const { sut, server } = await setup(wire, () => ({ rawBody: '{"choices": [ {oops' }));

      const error = await failure(sut.invoke(request()));

      expect(error.kind).toBe('bad_response');
      expect(error.retryable).toBe(false);
      expect(error.excerpt).toContain('{oops');
      expect(server.calls).toHaveLength(1);
    });

    it('should fail with bad_response when the answer list is empty', async () => {
      const { sut } = await setup(wire, () => ({ emptyChoices: true, usage: { input: 5, output: 0 } }));

      const error = await failure(sut.invoke(request()));

      expect(error.kind).toBe('bad_response');
      expect(error.usage.accuracy).toBe('unavailable');
    });

    it('should fail at once on a 400, with the key scrubbed from the excerpt', async () => {
      const { sut, server } = await setup(wire, () => ({ status: 400, text: `invalid model; your key ${KEY} was used` }), { apiKeyEnv: 'TEST_KEY' });

      const error = await failure(sut.invoke(request()));

      expect(error).toMatchObject({ kind: 'http_status', retryable: false });
      expect(error.options.status).toBe(400);
      expect(error.excerpt).toContain('invalid model');
      expect(error.excerpt).toContain('[redacted]');
      expect(JSON.stringify({ message: error.message, excerpt: error.excerpt, options: error.options })).not.toContain(KEY);
      expect(error.excerpt!.length).toBeLessThanOrEqual(500);
      expect(server.calls).toHaveLength(1);
    });

    it('should retry a 429 immediately when Retry-After is 0 and report rate_limited when retries run out', async () => {
      const { sut, server } = await setup(wire, () => ({ status: 429, text: 'slow down', headers: { 'retry-after': '0' } }), { maxRetries: 2 });

      const error = await failure(sut.invoke(request()));

      expect(error).toMatchObject({ kind: 'rate_limited', retryable: true });
      expect(error.options.status).toBe(429);
      expect(server.calls).toHaveLength(3);
    });

    it('should stop a retry wait when the signal is cancelled', async () => {
      const { sut, server } = await setup(wire, () => ({ status: 503, text: 'unavailable', headers: { 'retry-after': '5' } }), { timeoutMs: 10_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();

      const error = await failure(sut.invoke(request({ signal: controller.signal })));

      expect(error.kind).toBe('cancelled');
      expect(error.usage.accuracy).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(server.calls).toHaveLength(1);
    });

    it('should report reachable from a probe and unreachable once the server is gone', async () => {
      const { sut, server } = await setup(wire, () => ({ text: '' }));

      await expect(sut.probe()).resolves.toBe(true);
      await server.close();
      servers.splice(servers.indexOf(server), 1);
      await expect(sut.probe()).resolves.toBe(false);
    });
  });

  describe('429 with Retry-After', () => {
    it.each(['openai', 'ollama'] as ProviderWire[])('should wait the Retry-After seconds, then succeed (%s)', async (wire) => {
      const { sut, server } = await setup(
        wire,
        (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { text: 'ok', usage: { input: 1, output: 1 } }),
        {
          timeoutMs: 5000,
        },
      );
      const started = Date.now();

      const result = await sut.invoke(request());

      expect(result.text).toBe('ok');
      expect(server.calls).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('should fail at once with rate_limited and retryAfterMs when the wait would outlive the timeout', async () => {
      const { sut, server } = await setup('anthropic', () => ({ status: 429, headers: { 'retry-after': '60' } }), { timeoutMs: 300 });

      const error = await failure(sut.invoke(request()));

      expect(error.kind).toBe('rate_limited');
      expect(error.options.retryAfterMs).toBe(60_000);
      expect(server.calls).toHaveLength(1);
    });
  });

  describe('usage details', () => {
    it.each([
      // wire, reply usage, expected counts
      [
        'openai',
        { input: 120, output: 30, reasoning: 12, cached: 40 },
        { inputTokens: 120, outputTokens: 30, reasoningTokens: 12, cachedInputTokens: 40, totalTokens: 162 },
      ],
      [
        'anthropic',
        { input: 120, output: 30, reasoning: 12, cached: 40, cacheWrite: 10 },
        { inputTokens: 120, outputTokens: 42, reasoningTokens: 0, cachedInputTokens: 40, totalTokens: 162 },
      ],
      ['ollama', { input: 120, output: 30, reasoning: 12 }, { inputTokens: 120, outputTokens: 42, reasoningTokens: 0, cachedInputTokens: 0, totalTokens: 162 }],
      [
        'gemini',
        { input: 120, output: 30, reasoning: 12, cached: 40 },
        { inputTokens: 120, outputTokens: 30, reasoningTokens: 12, cachedInputTokens: 40, totalTokens: 162 },
      ],
      [
        'openai-responses',
        { input: 120, output: 30, reasoning: 12, cached: 40 },
        { inputTokens: 120, outputTokens: 30, reasoningTokens: 12, cachedInputTokens: 40, totalTokens: 162 },
      ],
    ] as const)('should read reasoning and cached tokens from the %s wire without double counting', async (wire, usage, expected) => {
      const { sut } = await setup(wire, () => ({ text: 'answer', usage }));

      const result = await sut.invoke(request());

      expect(result.usage).toMatchObject({ ...expected, accuracy: 'exact' });
    });
  });

  it("should keep Ollama's eval_count and estimate the input when prompt_eval_count is missing (prompt served from cache)", async () => {
    const { sut } = await setup('ollama', () => ({
      rawBody: JSON.stringify({ model: 'model-x', message: { role: 'assistant', content: 'cached answer' }, done: true, eval_count: 17 }),
    }));

    const result = await sut.invoke(request());

    const input = tokenizer.count('Should billing move to webhooks?', 'model-x') + tokenizer.count('You are an architect.', 'model-x');
    expect(result.usage).toMatchObject({ inputTokens: input, outputTokens: 17, totalTokens: input + 17, accuracy: 'estimated' });
  });

  describe('credentials', () => {
    it.each([
      ['openai', 'authorization', `Bearer ${KEY}`],
      // @anthropic-ai/sdk 1.10 sends the key as a bearer token.
      ['anthropic', 'authorization', `Bearer ${KEY}`],
      ['ollama', 'authorization', `Bearer ${KEY}`],
      ['gemini', 'x-goog-api-key', KEY],
      ['openai-responses', 'authorization', `Bearer ${KEY}`],
    ] as const)('should send the key from apiKeyEnv on the %s wire in %s', async (wire, header, value) => {
      const { sut, server } = await setup(wire, () => ({ text: 'ok' }), { apiKeyEnv: 'TEST_KEY' });

      await sut.invoke(request());

      expect(server.calls[0].headers[header]).toBe(value);
    });

    it.each(wires)('should send no credential header on the %s wire when no key is configured', async (wire) => {
      const { sut, server } = await setup(wire, () => ({ text: 'ok' }));

      await sut.invoke(request());

      const headers = server.calls[0].headers;
      expect(headers.authorization).toBeUndefined();
      expect(headers['x-api-key']).toBeUndefined();
      expect(headers['x-goog-api-key']).toBeUndefined();
    });
  });

  it('should fail with a retryable http_status naming the adapter when nothing listens', async () => {
    const server = await startProviderServer({ wire: 'openai', respond: () => ({}) });
    const baseUrl = server.baseUrl;
    await server.close();
    const sut = createAdapter(httpConfig({ provider: 'openai', baseUrl, maxRetries: 1 }), { tokenizer, env: {}, retryPolicy: FAST_RETRY });

    const error = await failure(sut.invoke(request()));

    expect(error).toMatchObject({ kind: 'http_status', retryable: true });
    expect(error.options.status).toBeUndefined();
    expect(error.message).toContain('http-openai');
  });

  it('should fail with cancelled without calling when the signal is already aborted', async () => {
    const { sut, server } = await setup('openai', () => ({ text: 'never' }));

    const error = await failure(sut.invoke(request({ signal: AbortSignal.abort() })));

    expect(error.kind).toBe('cancelled');
    expect(server.calls).toHaveLength(0);
  });

  describe('output-token limit on the wire', () => {
    // Where each wire carries maxOutputTokens, read from the request body the server received.
    it.each([
      ['openai', (body: any) => body.max_completion_tokens],
      ['anthropic', (body: any) => body.max_tokens],
      ['ollama', (body: any) => body.options?.num_predict],
      ['gemini', (body: any) => body.generationConfig?.maxOutputTokens],
      ['openai-responses', (body: any) => body.max_output_tokens],
    ] as const)('should send maxOutputTokens on the %s wire', async (wire, limitOf) => {
      const { sut, server } = await setup(wire, () => ({ text: 'ok', usage: { input: 1, output: 1 } }));

      await sut.invoke(request({ maxOutputTokens: 777 }));

      expect(limitOf(server.calls[0].body)).toBe(777);
    });

    it.each(wires)('should mark an answer cut at the output-token limit as truncated (%s)', async (wire) => {
      const { sut } = await setup(wire, (n) => ({ text: n === 1 ? 'cut sh' : 'whole answer', usage: { input: 5, output: 5 }, truncated: n === 1 }));

      const cut = await sut.invoke(request());
      const whole = await sut.invoke(request());

      expect(cut).toMatchObject({ text: 'cut sh', truncated: true });
      expect(whole.text).toBe('whole answer');
      expect(whole.truncated).toBeUndefined();
    });
  });

  describe('reply size cap (maxResponseBytes)', () => {
    it.each(wires)('should fail a 5 MB answer with response_too_large, without retrying (%s)', async (wire) => {
      const { sut, server } = await setup(wire, () => ({ text: 'big '.repeat(1_310_720), usage: { input: 1, output: 1 } }), { timeoutMs: 10_000 });
      const started = Date.now();

      const error = await failure(sut.invoke(request()));

      expect(error).toMatchObject({ kind: 'response_too_large', retryable: false });
      expect(error.message).toContain('1048576');
      expect(error.usage).toMatchObject({ accuracy: 'unavailable', totalTokens: 0 });
      expect(server.calls).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it.each(['openai', 'anthropic', 'ollama', 'gemini', 'openai-responses'] as const)(
      'should cut a reply that never ends once the cap is read (%s)',
      async (wire) => {
        const { sut, server } = await setup(wire, () => ({ endless: true }), { timeoutMs: 20_000, maxResponseBytes: 256 * 1024 });
        const heapBefore = process.memoryUsage().heapUsed;
        const started = Date.now();

        const error = await failure(sut.invoke(request()));

        // Long before the 20 s deadline: reading stopped at the cap, and the connection was dropped.
        expect(error.kind).toBe('response_too_large');
        expect(Date.now() - started).toBeLessThan(3000);
        expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
        expect(await waitUntil(() => server.calls[0].clientGone.aborted, 2000)).toBe(true);
      },
    );

    it('should take an answer just under the cap', async () => {
      const text = 'w'.repeat(4000);
      const { sut } = await setup('openai', () => ({ text, usage: { input: 1, output: 1 } }), { maxResponseBytes: 8192 });

      await expect(sut.invoke(request())).resolves.toMatchObject({ text });
    });
  });

  describe('model names', () => {
    it.each(['--yolo', 'a b', 'x\u0000y'])('should refuse the unsafe model %p without calling the provider', async (model) => {
      const { sut, server } = await setup('openai', () => ({ text: 'never' }));

      const error = await failure(sut.invoke(request({ model })));

      expect(error.kind).toBe('model_refused');
      expect(server.calls).toHaveLength(0);
    });
  });

  it('should read the text of the Responses API message items only, and its refusal', async () => {
    const body = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'thinking aloud' }] },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Use ' },
            { type: 'refusal', refusal: 'no.' },
          ],
        },
      ],
      usage: { input_tokens: 10, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, input_tokens_details: { cached_tokens: 0 } },
    };
    const { sut, server } = await setup('openai-responses', () => ({ rawBody: JSON.stringify(body) }));

    const result = await sut.invoke(request());

    expect(result.text).toBe('Use no.');
    expect(result.usage).toMatchObject({ inputTokens: 10, outputTokens: 3, reasoningTokens: 2, totalTokens: 15 });
    expect(server.calls[0]).toMatchObject({ model: 'model-x', prompt: 'Should billing move to webhooks?', system: 'You are an architect.' });
    expect(server.calls[0].body.store).toBe(false);
  });
});

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
