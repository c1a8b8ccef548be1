import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { createApp } from './app.factory';

/**
 * The service in this process, for one command of the `conclave` CLI (`--embedded`): the usual config
 * (CONCLAVE_CONFIG, the default SQLite file), on a free port of 127.0.0.1, its logs silenced so the
 * command's output stays its own. The key is not needed: the caller is this process.
 */
export async function startEmbedded(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({ ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'silent' });
  const app: INestApplication = await createApp({ ...config, server: { ...config.server, apiKey: undefined } });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
