import { isPostgresUrl } from '@app/config';
import type { DatabaseClaim } from './database-claim';
import { DatabaseLock } from './database-lock';
import { checkDatabase, ensureDatabaseFolder } from './database-preflight';
import { PostgresLock } from './postgres-lock';

/**
 * Claims the database for this process and checks that it can be used; throws DatabaseStartError (one
 * line: the database and the cause). Light on purpose (no Nest, no TypeORM), so main runs it before
 * loading the app and a bad database is reported in about a second. SQLite: the lock file, then the
 * file opened and write-locked once; `:memory:` needs neither (null). PostgreSQL: a connection that
 * takes the advisory lock (PostgresLock), which also shows a server that does not answer or a missing database.
 */
export async function openDatabase(path: string, options: { cluster?: boolean } = {}): Promise<DatabaseClaim | null> {
  if (isPostgresUrl(path)) return PostgresLock.acquire(path, options.cluster);
  // The folder first: the lock file lives in it.
  ensureDatabaseFolder(path);
  const lock = DatabaseLock.acquire(path);
  try {
    checkDatabase(path);
  } catch (e) {
    lock?.release();
    throw e;
  }
  return lock;
}
