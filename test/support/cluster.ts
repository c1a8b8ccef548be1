import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { START_REDIS } from '@app/deliberation';
import { startService, type ChildService } from './child-service';
import { createTestDatabase, type TestDatabase } from './postgres';
import { answer, prose, roundOf, stanceOf } from './round-script';

/**
 * A cluster of the built service for the tests: API and worker child processes (CONCLAVE_ROLE) on one fresh
 * PostgreSQL database and the local Redis, under a prefix of their own so clusters never see each other's
 * jobs. Redis or PostgreSQL not answering fails with the service named and the command that starts it.
 *
 *   const cluster = await startCluster({ apis: 1, workers: 3, config: { adapters: [...] } });
 *   await cluster.killWorker(1);          // SIGKILL, then a replacement starts in its place
 *   await cluster.close();                // every process stopped, the database dropped, the prefix's keys deleted
 */
export const REDIS_URL = process.env.CONCLAVE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  apis: ChildService[];
  workers: ChildService[];
  database: TestDatabase;
  prefix: string;
  /**
   * SIGKILLs a random worker that is up and starts a replacement in its place without waiting for it (see
   * replacements), so kills can follow each other faster than a process starts; one worker always stays up.
   */
  killWorker(): Promise<void>;
  /** Resolves once every replacement started so far answers /health. */
  replacements(): Promise<void>;
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function assertRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new Error(
      `Redis is not answering at ${REDIS_URL} (${(e as Error).message}). These tests need it: start it with \`${START_REDIS}\` (.ci/run does this).`,
    );
  } finally {
    redis.disconnect();
  }
}

export async function startCluster(options: { apis: number; workers: number; config: Record<string, unknown>; lockMs?: number }): Promise<Cluster> {
  await assertRedis();
  const database = await createTestDatabase();
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'conclave-cluster-'));
  const configPath = join(dir, 'conclave.yaml');
  const config = { ...options.config, memory: { mode: 'off' }, cluster: { prefix, lockMs: options.lockMs ?? 1500 } };
  writeFileSync(configPath, stringify(config));
  const start = (role: 'api' | 'worker') =>
    startService({ configPath, dbPath: database.url, env: { CONCLAVE_ROLE: role, CONCLAVE_REDIS: REDIS_URL }, readyTimeoutMs: 60_000 });
  const processes: ChildService[] = [];
  try {
    // The first starts alone and migrates the database; the rest start side by side.
    const apis = [await start('api')];
    apis.push(...(await Promise.all(Array.from({ length: options.apis - 1 }, () => start('api')))));
    const workers = await Promise.all(Array.from({ length: options.workers }, () => start('worker')));
    processes.push(...apis, ...workers);
    const starting = new Map<number, Promise<void>>();
    const cluster: Cluster = {
      apis,
      workers,
      database,
      prefix,
      async killWorker() {
        const upNow = () => workers.map((_, i) => i).filter((i) => !starting.has(i));
        // One worker stays up, so the cluster makes progress while replacements start.
        while (upNow().length < 2 && starting.size > 0) await Promise.race(starting.values());
        const up = upNow();
        if (up.length < 2) throw new Error('fewer than two workers are up: nothing to kill without stopping the cluster');
        const index = up[Math.floor(Math.random() * up.length)];
        await workers[index].stop('SIGKILL');
        const replacement = start('worker').then((w) => {
          workers[index] = w;
          starting.delete(index);
        });
        starting.set(index, replacement);
      },
      async replacements() {
        await Promise.all(starting.values());
      },
      async sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
        const client = new Client({ connectionString: database.url });
        await client.connect();
        try {
          return (await client.query(text, values)).rows as T[];
        } finally {
          await client.end();
        }
      },
      async close() {
        await Promise.allSettled(starting.values());
        await Promise.all([...apis, ...workers].map((p) => p.stop('SIGKILL')));
        await database.drop();
        await deleteKeys(prefix);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (e) {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await database.drop();
    throw e;
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export interface CountingProvider {
  baseUrl: string;
  /** Replies delivered to a live connection, each idempotency key once: what a provider would bill. */
  served: { calls: number; tokens: number };
  /** Requests received, repeats of a key included. */
  received: number;
  close(): Promise<void>;
}

export const REPLY_USAGE = { prompt_tokens: 120, completion_tokens: 60 };

/**
 * An OpenAI-wire provider that answers after `delayMs` and counts what it served, as a real one bills:
 * a reply counts once it is written to a connection that is still open, and a request repeating an
 * `Idempotency-Key` already answered gets the same reply again without being counted twice. The answers
 * are the debate `plan(question, round)` scripts: an option per stance and whether to go on.
 */
export async function startCountingProvider(
  plan: (question: string, round: number, stance: ReturnType<typeof stanceOf>) => { option: string; continueDebate: boolean },
  delayMs = 100,
): Promise<CountingProvider> {
  const answered = new Map<string, string>();
  const served = { calls: 0, tokens: 0 };
  let received = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST') {
        // The adapter's reachability probe (GET /v1/models).
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ object: 'list', data: [] }));
      }
      received++;
      const key = req.headers['idempotency-key'];
      const payload = JSON.parse(body) as { model: string; messages: Array<{ content: string }> };
      const prompt = payload.messages.map((m) => m.content).join('\n');
      setTimeout(() => {
        if (req.socket.destroyed) return;
        let reply = typeof key === 'string' ? answered.get(key) : undefined;
        const repeat = reply !== undefined;
        if (!reply) {
          const round = roundOf(prompt);
          const stance = stanceOf(prompt);
          const question = /Question:\n(.+)/.exec(prompt)?.[1] ?? '';
          const { option, continueDebate } = plan(question, round, stance);
          reply = JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            created: 1,
            model: payload.model,
            choices: [{ index: 0, message: { role: 'assistant', content: answer(prose(stance, round), option, continueDebate) }, finish_reason: 'stop' }],
            usage: { ...REPLY_USAGE, total_tokens: REPLY_USAGE.prompt_tokens + REPLY_USAGE.completion_tokens },
          });
        }
        res.setHeader('content-type', 'application/json');
        res.end(reply, () => {
          if (repeat || req.socket.destroyed) return;
          if (typeof key === 'string') answered.set(key, reply);
          served.calls++;
          served.tokens += REPLY_USAGE.prompt_tokens + REPLY_USAGE.completion_tokens;
        });
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    served,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
