import { DatabaseLock } from './database-lock';
import { checkDatabase, ensureDatabaseFolder } from './database-preflight';

/**
 * Takes the database's lock file and checks that the file can be used; throws DatabaseStartError (one
 * line: the file and the cause). Light on purpose (no Nest, no TypeORM), so main runs it before loading
 * the app and a bad database is reported in well under a second. `:memory:` needs neither: null.
 */
export function openDatabase(path: string): DatabaseLock | null {
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
