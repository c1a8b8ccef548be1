import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/config';
import { openDatabase } from './database/open-database';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  // The database is checked before Nest is loaded (seconds on a busy machine), so a bad file, a locked
  // one or a second process on it is reported at once.
  const lock = await openDatabase(config.database.path, { cluster: Boolean(config.cluster.redis) });
  const { createApp } = await import('./app.factory');
  const app = await createApp(config, lock);
  lock?.started();
  await app.listen(config.server.port, config.server.host);
  process.stdout.write(`Conclave listening on http://${config.server.host}:${config.server.port} (docs at /docs)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`Conclave failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
