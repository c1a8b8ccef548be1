import { runSql } from '@app/config';
import { decisionTerms } from '@app/deliberation';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { rng } from '../support/answers';
import { startService } from '../support/service';
import { figure, percentile, round, type Figure } from '../support/stats';

export interface MemorySearchCase {
  decisions: number;
  queries: number;
  /** The first search, which loads every vector into the in-memory index. */
  firstSearchMs: Figure;
  /** GET /v1/decisions?q=…&limit=10 as a client sees it, sequential requests. */
  p50Ms: Figure;
  p95Ms: Figure;
  /** Hits per query (limit 10), to show the searches are not trivially empty. */
  medianHits: number;
}

const SERVICES = [
  'billing',
  'inventory',
  'orders',
  'payments',
  'search',
  'checkout',
  'identity',
  'notifications',
  'analytics',
  'shipping',
  'catalog',
  'pricing',
];
const FROM = ['REST polling', 'a cron job', 'a monolith module', 'MySQL', 'self-hosted Kafka', 'Python', 'a shared database', 'server-side sessions'];
const TO = ['webhooks', 'an event stream', 'a separate service', 'PostgreSQL', 'managed Kafka', 'Go', 'an API gateway', 'JWT tokens', 'GraphQL', 'Redis'];
const FOR = ['status updates', 'the public API', 'internal traffic', 'the mobile app', 'the EU region', 'batch exports', 'audit logs', 'peak season'];

/** A decision question like a team's: which service, from what to what, for what, and the ticket that asked it. */
function question(rand: () => number, ticket: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  return `Should the ${pick(SERVICES)} service move from ${pick(FROM)} to ${pick(TO)} for ${pick(FOR)} (ticket PLAT-${ticket})?`;
}

/** Decisions written straight to the table (the run that makes them is measured elsewhere): rows as the runner writes them. */
async function seed(dataSource: DataSource, count: number, rand: () => number): Promise<string[]> {
  const questions: string[] = [];
  const at = Date.parse('2026-11-01T00:00:00.000Z');
  await dataSource.transaction(async (manager) => {
    for (let i = 0; i < count; i++) {
      const q = question(rand, i);
      questions.push(q);
      await runSql(
        manager,
        `INSERT INTO decisions (id, question, context_digest, participants, outcome, winning_option, variants, tally, confidence, synthesis, stop_reason, rounds, tokens, cost_usd, vector, vector_kind, created_at)
         VALUES (:id, :question, NULL, :participants, 'unanimous', 'Adopt it', '[]', '[]', 0.8, NULL, 'converged', 2, 12000, 0.05, :vector, 'tfidf', :createdAt)`,
        {
          id: randomUUID(),
          question: q,
          participants: JSON.stringify([{ adapter: 'p0', model: 'm', stance: 'neutral', role: null }]),
          vector: JSON.stringify(decisionTerms(q)),
          createdAt: new Date(at + i * 60_000).toISOString(),
        },
      );
    }
  });
  return questions;
}

/** Scenario 6: decision memory search through REST with 1k and 10k stored decisions. */
export async function memorySearch(providerUrl: string, sizes: readonly number[], runs: number, queries = 400): Promise<MemorySearchCase[]> {
  const out: MemorySearchCase[] = [];
  for (const size of sizes) {
    const first: number[] = [];
    const p50: number[] = [];
    const p95: number[] = [];
    const hits: number[] = [];
    for (let run = 0; run < runs; run++) {
      const service = await startService(providerUrl, { participants: 2, delayMs: 0 });
      try {
        const rand = rng(19_000 + run);
        const stored = await seed(service.app.get(DataSource), size, rand);
        // Half repeats of stored questions (reworded ticket), half new ones: both touch many postings.
        const asked = Array.from({ length: queries }, (_, i) =>
          i % 2 === 0 ? stored[Math.floor(rand() * stored.length)].replace(/PLAT-\d+/, 'PLAT-new') : question(rand, size + i),
        );
        const get = async (q: string) => {
          const t0 = performance.now();
          const res = await fetch(`${service.url}/v1/decisions?${new URLSearchParams({ q, limit: '10' }).toString()}`);
          const body = (await res.json()) as { items: unknown[] };
          if (res.status !== 200) throw new Error(`memory search: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
          return { ms: performance.now() - t0, hits: body.items.length };
        };
        first.push((await get(asked[0])).ms);
        const times: number[] = [];
        for (const q of asked) {
          const r = await get(q);
          times.push(r.ms);
          hits.push(r.hits);
        }
        p50.push(percentile(times, 50));
        p95.push(percentile(times, 95));
      } finally {
        await service.close();
      }
    }
    out.push({
      decisions: size,
      queries,
      firstSearchMs: figure(first, 1),
      p50Ms: figure(p50, 2),
      p95Ms: figure(p95, 2),
      medianHits: round(percentile(hits, 50), 0),
    });
  }
  return out;
}
