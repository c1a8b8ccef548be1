import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TokenizerService } from '@app/tokens';
import { AdapterError, type InvokeRequest } from '../adapter.types';
import { AdapterConfigError, createAdapter } from '../adapter.factory';
import { replayConfig } from '../testing/adapter-configs';
import { loadCassette } from './cassette';

const DEMO = resolve(__dirname, '../../../../demo/cassette.json');

describe('ReplayAdapter', () => {
  const tokenizer = new TokenizerService();
  let dir: string;
  let cassettePath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-replay-'));
    cassettePath = join(dir, 'cassette.json');
    writeFileSync(
      cassettePath,
      JSON.stringify({
        question: 'Q?',
        participants: [
          { index: 0, label: 'A' },
          { index: 1, label: 'B' },
        ],
        responses: {
          '1': {
            '0': { text: 'Answer A1', usage: { inputTokens: 100, outputTokens: 20, reasoningTokens: 5, cachedInputTokens: 40 } },
            '1': { text: 'Answer B1 without usage' },
          },
        },
      }),
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    tokenizer.onModuleDestroy();
  });

  function request(round: number, participantIndex: number, fields: Partial<InvokeRequest> = {}): InvokeRequest {
    return { prompt: 'the round prompt', model: 'replay-model', signal: new AbortController().signal, position: { round, participantIndex }, ...fields };
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

  it('should answer with the recorded text and recorded usage as exact', async () => {
    const sut = createAdapter(replayConfig({ cassette: cassettePath }), { tokenizer, env: {} });

    const result = await sut.invoke(request(1, 0));

    expect(result.text).toBe('Answer A1');
    expect(result.usage).toMatchObject({
      inputTokens: 100,
      outputTokens: 20,
      reasoningTokens: 5,
      cachedInputTokens: 40,
      totalTokens: 125,
      accuracy: 'exact',
      adapter: 'replay',
      provider: 'replay',
      model: 'replay-model',
    });
  });

  it('should estimate usage when the cassette recorded none', async () => {
    const sut = createAdapter(replayConfig({ cassette: cassettePath }), { tokenizer, env: {} });

    const result = await sut.invoke(request(1, 1, { systemPrompt: 'be brief' }));

    expect(result.usage).toMatchObject({
      inputTokens: tokenizer.count('the round prompt', 'replay-model') + tokenizer.count('be brief', 'replay-model'),
      outputTokens: tokenizer.count('Answer B1 without usage', 'replay-model'),
      accuracy: 'estimated',
    });
  });

  it.each([
    [2, 0],
    [1, 7],
  ])('should fail with bad_response naming round %i and participant %i when the cassette has no entry', async (round, participant) => {
    const sut = createAdapter(replayConfig({ cassette: cassettePath }), { tokenizer, env: {} });

    const error = await failure(sut.invoke(request(round, participant)));

    expect(error.kind).toBe('bad_response');
    expect(error.message).toContain(`round ${round}, participant ${participant}`);
    expect(error.usage.accuracy).toBe('unavailable');
  });

  it('should fail with bad_response when the request has no position', async () => {
    const sut = createAdapter(replayConfig({ cassette: cassettePath }), { tokenizer, env: {} });

    const error = await failure(sut.invoke({ prompt: 'p', model: 'm', signal: new AbortController().signal }));

    expect(error.kind).toBe('bad_response');
  });

  it('should wait delayMs and stop waiting when cancelled', async () => {
    const sut = createAdapter(replayConfig({ cassette: cassettePath, delayMs: 5000 }), { tokenizer, env: {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();

    const error = await failure(sut.invoke(request(1, 0, { signal: controller.signal })));

    expect(error.kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['a missing file', 'nope.json', /cannot be read/],
    ['a file that is not a cassette', 'bad.json', /responses/],
  ])('should refuse %s at construction, naming the adapter', (_what, file, problem) => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ question: 'q', participants: [{ index: 0, label: 'x' }] }));

    const build = () => createAdapter(replayConfig({ name: 'demo-replay', cassette: join(dir, file) }), { tokenizer, env: {} });

    expect(build).toThrow(AdapterConfigError);
    expect(build).toThrow(/adapter "demo-replay"/);
    expect(build).toThrow(problem);
  });

  describe('the demo cassette', () => {
    const cassette = loadCassette(DEMO);
    const VOTE = /\nVOTE: (\{.*\})\s*$/;

    function vote(round: number, participant: number): { option: string; confidence: number; continue_debate: boolean } {
      const text = cassette.responses[String(round)][String(participant)].text;
      const match = VOTE.exec(text);
      expect(match).not.toBeNull();
      return JSON.parse(match![1]);
    }

    it('should hold three participants and three complete rounds of 150-300 word answers', () => {
      expect(cassette.participants.map((p) => p.index)).toEqual([0, 1, 2]);
      for (const round of ['1', '2', '3']) {
        for (const p of ['0', '1', '2']) {
          const words = cassette.responses[round][p].text.split(/\s+/).length;
          expect(words).toBeGreaterThanOrEqual(150);
          expect(words).toBeLessThanOrEqual(300);
        }
      }
    });

    it('should split round 1 two to one and converge by round 3 with the debate closed', () => {
      const round1 = [0, 1, 2].map((p) => vote(1, p).option);
      expect(new Set(round1).size).toBe(2);
      const round3 = [0, 1, 2].map((p) => vote(3, p));
      expect(new Set(round3.map((v) => v.option)).size).toBe(1);
      expect(round3.every((v) => v.continue_debate === false)).toBe(true);
      expect(round3.every((v) => v.confidence > 0 && v.confidence <= 1)).toBe(true);
    });

    it('should record usage for participants 0 and 1 and none for 2', () => {
      for (const round of ['1', '2', '3']) {
        expect(cassette.responses[round]['0'].usage).toBeDefined();
        expect(cassette.responses[round]['1'].usage).toBeDefined();
        expect(cassette.responses[round]['2'].usage).toBeUndefined();
      }
    });
  });
});
