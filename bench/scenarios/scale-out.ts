import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { benchModel } from '../support/provider';
import { round } from '../support/stats';

const PG_ADMIN = process.env.CONCLAVE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.CONCLAVE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const MAIN = resolve(__dirname, '../../apps/api/src/main.js');
const PARTICIPANTS = 3;
const ROUNDS = 3;
const DELAY_MS = 200;
/** Each worker's deliberation.maxRunning. */
const PER_WORKER = 8;

export interface ScaleRun {
  workers: number;
  deliberations: number;
  wallMs: number;
  /** The least any number of workers could take: the rounds of one wave of deliberations, back to back at the provider's delay. */
  floorMs: number;
  deliberationsPerSec: number;
  /** PostgreSQL transactions committed in the database during the run, per deliberation. */
  commitsPerDeliberation: number;
}

export type ScaleOut = { runs: ScaleRun[] } | { skipped: string };

/**
 * Scenario 7: the built service as a cluster (child processes: CONCLAVE_ROLE=api and worker) on a fresh
 * PostgreSQL database and Redis, K deliberations posted at once, timed to the last completed.
 */
export async function scaleOut(providerUrl: string, workerCounts: number[], deliberations: number): Promise<ScaleOut> {
  const missing = await missingService();
  if (missing) return { skipped: missing };
  const runs: ScaleRun[] = [];
  for (const workers of workerCounts) runs.push(await runOnce(providerUrl, workers, deliberations));
  return { runs };
}

async function missingService(): Promise<string | null> {
  const pg = new Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
  } catch (e) {
    return `PostgreSQL does not answer at ${PG_ADMIN} (${(e as Error).message})`;
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    return `Redis does not answer at ${REDIS} (${(e as Error).message})`;
  } finally {
    redis.disconnect();
  }
  return null;
}

async function admin<T>(work: (c: Client) => Promise<T>, url = PG_ADMIN): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function startProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`a ${env.CONCLAVE_ROLE} process exited at start (code ${child.exitCode})`);
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).ok) return { url, child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`a ${env.CONCLAVE_ROLE} process did not answer /health within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function commits(url: string): Promise<number> {
  // Another backend's counts reach the statistics when its transactions end; this session reads them fresh.
  return admin(async (c) => {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await c.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number(rows[0].n);
  }, url);
}

async function runOnce(providerUrl: string, workers: number, count: number): Promise<ScaleRun> {
  const name = `conclave_bench_${randomBytes(5).toString('hex')}`;
  const prefix = `b${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-scale-'));
  const configPath = join(dir, 'conclave.yaml');
  writeFileSync(
    configPath,
    stringify({
      adapters: Array.from({ length: PARTICIPANTS }, (_, i) => {
        const model = benchModel(i, DELAY_MS, 600);
        return {
          name: `p${i}`,
          kind: 'http',
          provider: 'openai',
          baseUrl: providerUrl,
          tier: 'T2',
          models: { fast: model, reasoning: model },
          timeoutMs: 60_000,
          maxRetries: 0,
          concurrency: 64,
        };
      }),
      deliberation: { maxRunning: PER_WORKER, maxQueued: 10_000 },
      rateLimit: { limit: 1_000_000 },
      memory: { mode: 'off' },
      cluster: { prefix },
    }),
  );
  const env = { CONCLAVE_CONFIG: configPath, CONCLAVE_DB: dbUrl.toString(), CONCLAVE_REDIS: REDIS };
  const children: ChildProcess[] = [];
  try {
    const api = await startProcess({ ...env, CONCLAVE_ROLE: 'api' });
    children.push(api.child);
    for (const w of await Promise.all(Array.from({ length: workers }, () => startProcess({ ...env, CONCLAVE_ROLE: 'worker' })))) children.push(w.child);

    const before = await commits(dbUrl.toString());
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const res = await fetch(`${api.url}/v1/deliberations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            question: `Scale-out bench ${i}: should the batch jobs move to an event-driven pipeline?`,
            participants: Array.from({ length: PARTICIPANTS }, (_, p) => ({ adapter: `p${p}` })),
            maxRounds: ROUNDS,
          }),
        });
        if (res.status !== 202) throw new Error(`POST: HTTP ${res.status} ${await res.text()}`);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    for (;;) {
      const [row] = await admin(
        (c) =>
          c
            .query<{ open: string; bad: string }>(
              `SELECT COUNT(*) FILTER (WHERE status IN ('queued', 'running')) AS open, COUNT(*) FILTER (WHERE status NOT IN ('queued', 'running', 'completed')) AS bad FROM deliberations`,
            )
            .then((r) => r.rows),
        dbUrl.toString(),
      );
      if (Number(row.bad) > 0) throw new Error(`${row.bad} bench deliberation(s) did not complete`);
      if (Number(row.open) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const wallMs = performance.now() - started;
    const [done] = await admin(
      (c) => c.query<{ n: string }>("SELECT COUNT(*) AS n FROM deliberations WHERE status = 'completed'").then((r) => r.rows),
      dbUrl.toString(),
    );
    if (Number(done.n) !== ids.length) throw new Error(`${done.n} of ${ids.length} bench deliberations completed`);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await commits(dbUrl.toString());
    const waves = Math.ceil(count / (workers * PER_WORKER));
    return {
      workers,
      deliberations: count,
      wallMs: Math.round(wallMs),
      floorMs: waves * ROUNDS * DELAY_MS,
      deliberationsPerSec: round(count / (wallMs / 1000)),
      commitsPerDeliberation: round((after - before) / count, 1),
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
