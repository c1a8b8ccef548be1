import type { INestApplication } from '@nestjs/common';
import { configSchema, type ConclaveConfig } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../apps/api/src/app.factory';
import { benchModel } from './provider';

export interface ServiceOptions {
  /** Participants each deliberation has; one adapter per participant (p0, p1, ...). */
  participants: number;
  /** How long the provider takes to answer each call. */
  delayMs: number;
  /** Length of each answer, in characters. */
  answerBytes?: number;
  /** The adapters' context window; large values keep the prompt builder from trimming history. */
  contextTokens?: number;
  maxRunning?: number;
}

export interface BenchService {
  url: string;
  app: INestApplication;
  config: ConclaveConfig;
  close(): Promise<void>;
}

/** The real service, built by the same factory as main.ts, on a fresh SQLite file, against the bench provider. */
export async function startService(providerUrl: string, options: ServiceOptions): Promise<BenchService> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-'));
  const answerBytes = options.answerBytes ?? 600;
  const config = configSchema.parse({
    server: { port: 0, logLevel: 'silent', bodyLimitBytes: 4 * 1024 * 1024 },
    database: { path: join(dir, 'conclave.sqlite') },
    adapters: Array.from({ length: options.participants }, (_, i) => {
      const model = benchModel(i, options.delayMs, answerBytes);
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
        contextTokens: options.contextTokens ?? 32_000,
      };
    }),
    deliberation: { maxRunning: options.maxRunning ?? 64, maxQueued: 10_000 },
    rateLimit: { ttlMs: 60_000, limit: 1_000_000 },
  });
  const app: INestApplication = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    config,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface FinishedDeliberation {
  id: string;
  /** From sending the POST to receiving the finished deliberation (?wait=true), as a client sees it. */
  wallMs: number;
  view: {
    id: string;
    status: string;
    updatedAt: string;
    rounds: Array<{ number: number; startedAt: string; completedAt: string | null }>;
    result: { stopReason: string; roundsUsed: number; durationMs: number } | null;
    failure: string | null;
  };
}

/**
 * Runs one deliberation to its end through the REST API and checks that it ran every round: a
 * benchmark that stopped early would measure something else.
 */
export async function deliberate(service: BenchService, participants: number, rounds: number): Promise<FinishedDeliberation> {
  const started = performance.now();
  const res = await fetch(`${service.url}/v1/deliberations?wait=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      question: 'Should the benchmark service move its batch jobs to an event-driven pipeline?',
      participants: Array.from({ length: participants }, (_, i) => ({ adapter: `p${i}` })),
      maxRounds: rounds,
    }),
  });
  const view = (await res.json()) as FinishedDeliberation['view'];
  const wallMs = performance.now() - started;
  if (res.status !== 200 || view.status !== 'completed' || view.result?.roundsUsed !== rounds) {
    throw new Error(
      `a benchmark deliberation did not run all ${rounds} rounds: HTTP ${res.status}, status ${view.status}, ` +
        `stop ${view.result?.stopReason ?? '-'}, rounds ${view.result?.roundsUsed ?? '-'}, failure ${view.failure ?? '-'} ${JSON.stringify(view).slice(0, 300)}`,
    );
  }
  return { id: view.id, wallMs, view };
}
