import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseStartError } from './database-start-error';

const CAUSES: Record<string, string> = {
  SQLITE_NOTADB: 'not a SQLite database (or encrypted)',
  SQLITE_CORRUPT: 'the file is corrupt',
  SQLITE_BUSY: 'locked by another process',
  SQLITE_LOCKED: 'locked by another connection',
  SQLITE_READONLY: 'read-only (the file or its folder cannot be written)',
  SQLITE_CANTOPEN: 'cannot be opened (check that the path is a file and its folder is writable)',
  SQLITE_IOERR: 'input/output error',
  SQLITE_FULL: 'the disk is full',
  SQLITE_PERM: 'permission denied',
};

/** How long start-up waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 2000;

/** Creates the database's folder (a first start with the default ./data/conclave.sqlite has none). */
export function ensureDatabaseFolder(path: string): void {
  if (path === ':memory:') return;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new DatabaseStartError(path, `cannot create its folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Opens the SQLite file once before the app does, and proves it can be read and written: a garbage file,
 * a file another process keeps locked, or a read-only folder fail here in about a second with one line,
 * instead of TypeORM's retry loop (half a minute or more of silence, then a stack).
 */
export function checkDatabase(path: string): void {
  if (path === ':memory:') return;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    // Takes the write lock and gives it back: a read-only file or folder, or another writer, shows here.
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const known = Object.entries(CAUSES).find(([prefix]) => code.startsWith(prefix))?.[1];
    throw new DatabaseStartError(path, known ? `${known} (${(e as Error).message})` : (e as Error).message);
  } finally {
    db?.close();
  }
}
