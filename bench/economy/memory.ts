import type { INestApplication } from '@nestjs/common';
import { configSchema } from '@app/config';
import type { Cassette } from '@app/adapters';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';

/**
 * Decision memory on a replay set (issue 19): the ten economy questions are decided once, then asked
 * again — the same words (repeat), reworded (paraphrase), and changed in the one word that makes it a
 * different question (look-alike) — all with `memory: reuse`, in one service. A repeat or a paraphrase
 * should be answered from memory for no token; a look-alike must never be (a false reuse).
 */

/** The same question in other words: order, framing and punctuation change; every content word stays. */
const PARAPHRASES = [
  'For payment-status updates, should the billing service move from REST polling to webhooks?',
  'For the public API of the inventory service: GraphQL or REST?',
  'Approve the design revision for the order database multi-region failover?',
  'For the twelve front-end packages, should we adopt a monorepo?',
  'Event pipeline for the data team — which option: A (managed Kafka), B (self-hosted Kafka), C (Kinesis) or D (Pub/Sub)?',
  'Rewrite the settlement job from Python to Go: should the payments team do it?',
  'Approve the proposal to enforce, on all repositories, mandatory code review by two reviewers?',
  'Should we cache product prices in Redis, with a TTL of five minutes?',
  'Android versions below 10 — should the mobile app drop support?',
  'Approve moving internal admin tools behind company SSO, with hardware keys?',
];

/** A different question that looks the same: one key word changed. */
const LOOK_ALIKES = [
  'Should the billing service move from REST polling to webhooks for refund-status updates?',
  'REST or GraphQL for the internal API of the inventory service?',
  'Approve the design revision for the multi-region failover of the user database?',
  'Should we adopt a monorepo for the twelve back-end packages?',
  'Which option should the analytics team take for the event pipeline: A (managed Kafka), B (self-hosted Kafka), C (Kinesis), or D (Pub/Sub)?',
  'Should the payments team rewrite the settlement job from Python to Rust?',
  'Approve the proposal to enforce mandatory code review by one reviewer on all repositories?',
  'Should we cache product prices in Redis with a fifty-minute TTL?',
  'Should the mobile app drop support for iOS versions below 10?',
  'Approve moving the internal admin tools behind the company VPN with hardware keys?',
];

type Kind = 'original' | 'look-alike' | 'repeat' | 'paraphrase';

interface MemoryRun {
  id: string;
  cassette: number;
  kind: Kind;
  question: string;
  reusedFrom: string | null;
  /** Tokens this run spent (0 when reused). */
  tokens: number;
  tokensSaved: number;
}

export interface MemoryReplay {
  runs: MemoryRun[];
  /** Tokens if every question had been deliberated, and as spent with memory. */
  tokensWithoutMemory: number;
  tokensWithMemory: number;
  tokensSaved: number;
  reused: { repeats: string; paraphrases: string };
  falseReuse: number;
}

export async function memoryReplay(dir: string, cassettes: readonly Cassette[], models: readonly string[], prices: object): Promise<MemoryReplay> {
  const adapters = cassettes.flatMap((c, t) =>
    c.participants.map((_, p) => ({
      name: `c${t}r${p}`,
      kind: 'replay',
      cassette: join(dir, `cassette-${t}.json`),
      tier: 'T2',
      models: { fast: models[p], reasoning: models[p] },
      contextTokens: 1_000_000,
    })),
  );
  cassettes.forEach((c, i) => writeFileSync(join(dir, `cassette-${i}.json`), JSON.stringify(c)));
  const config = configSchema.parse({
    server: { port: 0, logLevel: 'silent' },
    database: { path: join(dir, 'economy-memory.sqlite') },
    adapters,
    prices,
    rateLimit: { ttlMs: 60_000, limit: 1_000_000 },
  });
  const app: INestApplication = await createApp(config);
  const runs: MemoryRun[] = [];
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const ask = async (t: number, kind: Kind, question: string): Promise<void> => {
      const res = await fetch(`${url}/v1/deliberations?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          question,
          participants: cassettes[t].participants.map((_, p) => ({ adapter: `c${t}r${p}` })),
          maxRounds: 3,
          memory: 'reuse',
        }),
      });
      const view = (await res.json()) as { id: string; status: string; result: { reusedFrom?: string; economy?: { tokensSaved?: number } } | null };
      if (res.status !== 200 || view.status !== 'completed' || !view.result)
        throw new Error(`memory replay, ${kind} of cassette ${t}: HTTP ${res.status}, ${JSON.stringify(view).slice(0, 300)}`);
      const tokens = (await (await fetch(`${url}/v1/deliberations/${view.id}/tokens`)).json()) as { totals: { totalTokens: number } };
      runs.push({
        id: view.id,
        cassette: t,
        kind,
        question,
        reusedFrom: view.result.reusedFrom ?? null,
        tokens: tokens.totals.totalTokens,
        tokensSaved: view.result.economy?.tokensSaved ?? 0,
      });
    };
    // Decided once; the look-alikes next, so they are in memory too and each repeat has a near neighbour to be confused with.
    for (const [t, c] of cassettes.entries()) await ask(t, 'original', c.question);
    for (const t of cassettes.keys()) await ask(t, 'look-alike', LOOK_ALIKES[t]);
    for (const [t, c] of cassettes.entries()) await ask(t, 'repeat', c.question);
    for (const t of cassettes.keys()) await ask(t, 'paraphrase', PARAPHRASES[t]);
  } finally {
    await app.close();
  }
  // A question answered from memory would have cost what its cassette costs when deliberated.
  const original = (t: number) => runs.find((r) => r.cassette === t && r.kind === 'original')!;
  const of = (kind: Kind) => runs.filter((r) => r.kind === kind);
  const fromItsOriginal = (r: MemoryRun) => r.reusedFrom === original(r.cassette).id;
  return {
    runs,
    tokensWithoutMemory: runs.reduce((n, r) => n + (r.reusedFrom ? original(r.cassette).tokens : r.tokens), 0),
    tokensWithMemory: runs.reduce((n, r) => n + r.tokens, 0),
    tokensSaved: runs.reduce((n, r) => n + r.tokensSaved, 0),
    reused: {
      repeats: `${of('repeat').filter(fromItsOriginal).length} of ${of('repeat').length}`,
      paraphrases: `${of('paraphrase').filter(fromItsOriginal).length} of ${of('paraphrase').length}`,
    },
    // A look-alike answered from anything, or a repeat answered from another question's decision.
    falseReuse: runs.filter((r) => r.reusedFrom !== null && (r.kind === 'look-alike' || r.kind === 'original' || !fromItsOriginal(r))).length,
  };
}
