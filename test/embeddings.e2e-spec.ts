import request from 'supertest';
import { embeddingsAdapter, startEmbeddingsServer, type EmbeddingsServer } from './fixtures/embeddings-server';
import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The embeddings convergence backend: answers are compared by the cosine of their embeddings from a
 * configured HTTP adapter instead of by their words. The participants below reword their position
 * completely every round (TF-IDF sees nothing in common) while the meaning, which the loopback
 * embeddings server encodes by the option argued for, stays the same.
 */
const WORDS = [
  'Webhooks deliver payment events within seconds and remove wasted polling calls.',
  'Event push from the processor cuts quota burn; an inbox table makes retries harmless.',
  'Subscribing to processor notifications beats asking repeatedly; reconcile nightly for safety.',
];

function meaning(text: string): number[] {
  return /VOTE: .*"option": "Webhooks"/.test(text) ? [1, 0, 0] : [0, 1, 0];
}

describe('convergence through embeddings (e2e)', () => {
  let panel: ScriptedPanel;
  let embeddings: EmbeddingsServer;
  let t: TestApp;

  async function start(options: { failWith?: number } = {}) {
    const script = (offset: number) => (round: number) => turn(`${WORDS[(round + offset) % 3]} (round ${round}, voice ${offset})`, vote('Webhooks'));
    panel = await startPanel([
      { name: 'alpha', script: script(0) },
      { name: 'beta', script: script(1) },
    ]);
    embeddings = await startEmbeddingsServer({ wire: 'openai', embed: meaning, tokensPerText: 10, ...options });
    t = await startTestApp({
      adapters: [...panel.adapters, embeddingsAdapter(embeddings)],
      deliberation: { convergence: { backend: 'embeddings', embeddings: { adapter: 'emb', model: 'text-embedding-3-small' } } },
    });
  }

  afterEach(async () => {
    await t.close();
    await panel.close();
    await embeddings.close();
  });

  async function deliberate() {
    const res = await request(t.url)
      .post('/v1/deliberations?wait=true')
      .send({ question: 'Webhooks or polling?', participants: panel.participants(), maxRounds: 4 })
      .expect(200);
    return res.body;
  }

  it('should converge on meaning when the words keep changing, and count the embeddings tokens', async () => {
    await start();

    const d = await deliberate();

    expect(d.result.stopReason).toBe('converged');
    expect(d.rounds.map((r: any) => r.convergence && r.convergence.score)).toEqual([null, 1, 1]);
    // One embeddings call per compared round, holding both rounds' answers.
    expect(embeddings.calls).toHaveLength(2);
    expect(embeddings.calls[0].input).toHaveLength(4);
    const tokens = (await request(t.url).get(`/v1/deliberations/${d.id}/tokens`).expect(200)).body;
    const convergenceCalls = tokens.byParticipant.find((p: any) => p.participantIndex === -1);
    expect(convergenceCalls).toMatchObject({ adapter: 'emb', model: 'text-embedding-3-small', inputTokens: 80, outputTokens: 0, exactTokens: 80, calls: 2 });
    expect(tokens.totals.calls).toBe(2 * 3 + 2);
  });

  it('should fall back to TF-IDF for a round whose embeddings call fails, and record the failed call', async () => {
    await start({ failWith: 500 });

    const d = await deliberate();

    expect(d.status).toBe('completed');
    // Lexically the reworded answers barely overlap: diverging three comparisons in a row is an impasse.
    expect(d.result.stopReason).toBe('impasse');
    expect(d.rounds.slice(1).map((r: any) => r.convergence.status)).toEqual(['diverging', 'diverging', 'impasse']);
    const tokens = (await request(t.url).get(`/v1/deliberations/${d.id}/tokens`).expect(200)).body;
    expect(tokens.byParticipant.find((p: any) => p.participantIndex === -1)).toMatchObject({ adapter: 'emb', unavailableCalls: 3, totalTokens: 0 });
  });
});
