import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isPostgresUrl, type ConclaveConfig } from '@app/config';
import { checkpointEntities, checkpointMigrations } from '@app/checkpoint';
import { deliberationEntities, deliberationMigrations } from '@app/deliberation';
import { scheduleEntities, scheduleMigrations } from '@app/schedules';
import { tieringEntities, tieringMigrations } from '@app/tiering';
import { tokensEntities, tokensMigrations } from '@app/tokens';
import type { DataSourceOptions } from 'typeorm';

/**
 * The one description of the database, shared by the app and the TypeORM CLI (ormconfig.ts).
 * Each lib owns its entities and migrations; the schema is only ever changed by migrations, which run
 * on both drivers (TypeORM's Table API, no driver-specific SQL).
 *
 * SQLite through better-sqlite3 (TypeORM 1.x has no `sqlite3` driver): WAL lets readers proceed while a
 * round is being written; the busy timeout makes a second writer wait instead of failing.
 * PostgreSQL (`database.path` a postgres:// URL) through pg: a pool of `database.poolSize` connections;
 * bigint columns come back as strings and every entity's bigint has a transformer to numbers.
 */
export function databaseOptions(config: ConclaveConfig): DataSourceOptions {
  const path = config.database.path;
  const schema = {
    entities: [...tokensEntities, ...tieringEntities, ...checkpointEntities, ...deliberationEntities, ...scheduleEntities],
    migrations: [...tokensMigrations, ...tieringMigrations, ...checkpointMigrations, ...deliberationMigrations, ...scheduleMigrations],
    migrationsRun: true,
    synchronize: false,
  };
  if (isPostgresUrl(path)) {
    return { type: 'postgres', url: path, poolSize: config.database.poolSize, connectTimeoutMS: 5000, applicationName: 'conclave', ...schema };
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: path,
    ...schema,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
