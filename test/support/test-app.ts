import type { INestApplication } from '@nestjs/common';
import { configSchema, type ConclaveConfig } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';

export interface TestApp {
  app: INestApplication;
  url: string;
  config: ConclaveConfig;
  dbPath: string;
  close(): Promise<void>;
}

/**
 * Boots the real app on a real SQLite file in a temp folder, listening on 127.0.0.1; or on the database
 * the overrides name (`database.path`, e.g. a PostgreSQL URL: see support/postgres.ts).
 */
export async function startTestApp(overrides: Record<string, unknown> = {}, options: { dir?: string } = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'conclave-e2e-'));
  const raw = { ...overrides } as Record<string, any>;
  raw.server = { logLevel: 'silent', port: 0, ...(raw.server ?? {}) };
  raw.database = { path: join(dir, 'conclave.sqlite'), ...(raw.database ?? {}) };
  const dbPath = raw.database.path as string;
  // Decision memory off unless a test asks for it (pass `memory: {}` for the defaults): with it on, a
  // test's prompts would quote what earlier tests in the same app decided.
  raw.memory ??= { mode: 'off' };
  const config = configSchema.parse(raw);
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    dbPath,
    close: async () => {
      await app.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
