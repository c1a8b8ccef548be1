import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConclaveConfig } from '@app/config';
import { checkpointEntities, checkpointMigrations } from '@app/checkpoint';
import { deliberationEntities, deliberationMigrations } from '@app/deliberation';
import { scheduleEntities, scheduleMigrations } from '@app/schedules';
import { tieringEntities, tieringMigrations } from '@app/tiering';
import { tokensEntities, tokensMigrations } from '@app/tokens';
import type { DataSourceOptions } from 'typeorm';

/**
 * The one description of the database, shared by the app and the TypeORM CLI (ormconfig.ts).
 * SQLite through better-sqlite3 (TypeORM 1.x has no `sqlite3` driver). WAL lets readers proceed while a
 * round is being written; the busy timeout makes a second writer wait instead of failing.
 * Each lib owns its entities and migrations; the schema is only ever changed by migrations.
 */
export function databaseOptions(config: ConclaveConfig): DataSourceOptions {
  const path = config.database.path;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: path,
    entities: [...tokensEntities, ...tieringEntities, ...checkpointEntities, ...deliberationEntities, ...scheduleEntities],
    migrations: [...tokensMigrations, ...tieringMigrations, ...checkpointMigrations, ...deliberationMigrations, ...scheduleMigrations],
    migrationsRun: true,
    synchronize: false,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
