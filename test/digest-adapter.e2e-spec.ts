import request from 'supertest';
import { startProviderServer, type ProviderCall, type ProviderServer } from './fixtures/provider-server';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedProvider, type Stance } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * deliberation.digestAdapter (issue 14) through REST: each long answer is digested once by a cheap model,
 * the digest reaches the other participants' prompts, its tokens are the deliberation's own calls in the
 * ledger, and a checkpoint keeps the digests so a resume does not pay for them again.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const STANCES: Stance[] = ['for', 'against'];
const LONG = (stance: Stance, round: number) => Array.from({ length: 12 }, (_, i) => `${prose(stance, round)} Point ${i + 1} for ${stance}.`).join('\n\n');

describe('digests written by a model (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let digester: ProviderServer | undefined;
  let t: TestApp | undefined;
  const digestCalls: ProviderCall[] = [];

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    await digester?.close();
    t = provider = digester = undefined;
    digestCalls.length = 0;
  });

  it('should digest each long answer once, show the digest to the others, count it, and not pay again after a resume', async () => {
    provider = await startScriptedProvider((c) => ({ text: answer(LONG(c.stance, c.round), 'Adopt webhooks'), usage: { input: 300, output: 400 } }));
    digester = await startProviderServer({
      wire: 'openai',
      respond: (call) => {
        digestCalls.push(call);
        const who = /from="([^"]+)" round=(\d+)/.exec(call.prompt)!;
        return { text: `Condensed: ${who[1]} in round ${who[2]} argues its case.`, usage: { input: 500, output: 20 } };
      },
    });
    t = await startTestApp({
      adapters: [
        httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' }),
        httpAdapter(digester, 'small', 'T1', { fast: 'gpt-5-nano', reasoning: 'gpt-5-nano' }),
      ],
      deliberation: { history: 'digest', digestTokens: 60, maxOutputTokens: 1000, digestAdapter: { adapter: 'small', model: 'gpt-5-nano' } },
    });
    const created = await request(t.url)
      .post('/v1/deliberations')
      .send({ question: QUESTION, participants: STANCES.map((stance) => ({ adapter: 'cloud', stance })), maxRounds: 3, budget: { maxTokens: 7000 } })
      .expect(202);
    // Rounds 1 and 2 (1,400 each) and their digests (1,040 each) fit; round 3's reservation does not.
    const paused = await waitForStatus(t.url, created.body.id, ['paused', 'completed']);
    expect(paused.status).toBe('paused');
    // Each round's answers are digested once the round is done and another follows, before its checkpoint.
    expect(digestCalls.map((c) => /round=(\d+)/.exec(c.prompt)![1])).toEqual(['1', '1', '2', '2']);
    expect(digestCalls[0].model).toBe('gpt-5-nano');

    // Round 2's prompt of each participant shows the other's digest, not its long answer.
    const round2For = provider.seen.find((c) => c.round === 2 && c.stance === 'for')!;
    expect(round2For.call.prompt).toContain('Condensed: Participant 2 (cloud) in round 1 argues its case.');
    expect(round2For.call.prompt).not.toContain('Point 12 for against');
    const tokens = (await request(t.url).get(`/v1/deliberations/${created.body.id}/tokens`).expect(200)).body;
    expect(tokens.byParticipant.find((p: any) => p.participantIndex === -3)).toMatchObject({ calls: 4, totalTokens: 2080 });

    await request(t.url)
      .post(`/v1/checkpoints/${paused.latestCheckpointId}/resume`)
      .send({ budget: { maxTokens: 100_000 } })
      .expect(202);
    const done = await waitForStatus(t.url, created.body.id, ['completed', 'failed', 'paused']);

    expect(done.status).toBe('completed');
    // The resumed round 3 read round 2's digests from the checkpoint: none was asked again (and round 3, the last, needs none).
    expect(digestCalls).toHaveLength(4);
    const round3For = provider.seen.find((c) => c.round === 3 && c.stance === 'for')!;
    expect(round3For.call.prompt).toContain('Condensed: Participant 2 (cloud) in round 2 argues its case.');
  });
});
