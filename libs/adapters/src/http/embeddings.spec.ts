import { TokenizerService } from '@app/tokens';
import { startEmbeddingsServer, type EmbeddingsServer } from '../../../../test/fixtures/embeddings-server';
import { AdapterError, type ModelAdapter } from '../adapter.types';
import { createAdapter } from '../adapter.factory';
import { httpConfig } from '../testing/adapter-configs';

describe('HTTP adapters: embeddings', () => {
  const tokenizer = new TokenizerService();
  const servers: EmbeddingsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(() => tokenizer.onModuleDestroy());

  const vector = (text: string) => [text.length, text.includes('webhook') ? 1 : 0];

  async function setup(wire: 'openai' | 'ollama', options: { tokensPerText?: number; failWith?: number } = {}): Promise<ModelAdapter> {
    const server = await startEmbeddingsServer({ wire, embed: vector, ...options });
    servers.push(server);
    return createAdapter(httpConfig({ provider: wire, baseUrl: server.baseUrl, maxRetries: 1 }), {
      tokenizer,
      env: {},
      retryPolicy: { baseDelayMs: 5, maxDelayMs: 10 },
      random: () => 0.5,
    });
  }

  it.each(['openai', 'ollama'] as const)('should return one vector per text, in order, with exact usage (%s)', async (wire) => {
    const sut = await setup(wire, { tokensPerText: 7 });
    const texts = ['use webhooks', 'keep polling', 'a webhook inbox'];

    const result = await sut.embed!({ texts, model: 'embed-m', signal: new AbortController().signal });

    expect(result.vectors).toEqual(texts.map(vector));
    expect(result.usage).toMatchObject({ inputTokens: 21, outputTokens: 0, totalTokens: 21, accuracy: 'exact', adapter: `http-${wire}`, model: 'embed-m' });
  });

  it('should estimate the input tokens with tiktoken when the provider sends no usage', async () => {
    const sut = await setup('openai');
    const texts = ['use webhooks', 'keep polling'];

    const result = await sut.embed!({ texts, model: 'embed-m', signal: new AbortController().signal });

    expect(result.usage.accuracy).toBe('estimated');
    expect(result.usage.inputTokens).toBe(tokenizer.count(texts[0], 'embed-m') + tokenizer.count(texts[1], 'embed-m'));
  });

  it('should fail with the same error kinds as a call, after its retries', async () => {
    const sut = await setup('ollama', { failWith: 503 });

    const failure = sut.embed!({ texts: ['x'], model: 'embed-m', signal: new AbortController().signal });

    await expect(failure).rejects.toBeInstanceOf(AdapterError);
    await expect(failure).rejects.toMatchObject({ kind: 'http_status', usage: { accuracy: 'unavailable', totalTokens: 0 } });
    expect(servers[0].calls).toHaveLength(2);
  });

  it('should say so when the provider has no embeddings endpoint here', async () => {
    const sut = createAdapter(httpConfig({ provider: 'gemini', baseUrl: 'http://127.0.0.1:9' }), { tokenizer, env: {} });

    await expect(sut.embed!({ texts: ['x'], model: 'm', signal: new AbortController().signal })).rejects.toMatchObject({
      kind: 'bad_response',
      message: expect.stringMatching(/embeddings are not supported/),
    });
  });
});
