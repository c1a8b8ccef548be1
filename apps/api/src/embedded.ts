import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@app/config';
import { createApp } from './app.factory';

/**
 * The service in this process for one command of the `conclave` CLI (`--embedded`): the usual config
 * (./conclave.yaml or CONCLAVE_CONFIG, CONCLAVE_DB or the default SQLite file), listening on a random
 * port of 127.0.0.1 only. Its logs are silenced: they would go to stdout, which is the command's.
 * A key made for this run guards it, so another local user cannot reach the port while it is open and
 * the user's own key is never needed.
 */
export async function startEmbedded(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; key: string; close(): Promise<void> }> {
  const config = loadConfig(env);
  const key = randomBytes(24).toString('hex');
  const app = await createApp({ ...config, server: { ...config.server, host: '127.0.0.1', logLevel: 'silent', apiKey: key } });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    await app.close();
    throw e;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, key, close: () => app.close() };
}
