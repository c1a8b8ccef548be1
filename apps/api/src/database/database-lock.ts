import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { DatabaseClaim } from './database-claim';
import { DatabaseStartError } from './database-start-error';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function readPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * `<db>.lock`, created exclusively and holding our pid, for as long as this process uses the SQLite
 * file. Budget reservations are checked in memory, so a second process on the same file would enforce
 * its own copy of every cap (together past them): it is refused at start, naming the holder. A lock
 * left by a process that no longer exists (kill -9, power loss) is taken over.
 */
export class DatabaseLock extends DatabaseClaim {
  private held = true;
  private readonly onExit = () => this.release();

  private constructor(readonly path: string) {
    super();
    process.once('exit', this.onExit);
  }

  /** Takes the lock for `dbPath`, or throws DatabaseStartError naming the process that holds it. `:memory:` needs none. */
  static acquire(dbPath: string): DatabaseLock | null {
    if (dbPath === ':memory:') return null;
    const lockPath = `${dbPath}.lock`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(lockPath, 'wx', 0o644);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new DatabaseLock(lockPath);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST')
          throw new DatabaseStartError(dbPath, `cannot create the lock file ${lockPath} (${code ?? (e as Error).message}); its folder must be writable`);
      }
      const holder = readPid(lockPath);
      if (holder !== null && isAlive(holder)) {
        throw new DatabaseStartError(dbPath, `in use by process ${holder} (lock file ${lockPath}); one process per SQLite file: stop that one first`);
      }
      // Stale (its process is gone) or half-written: remove it and try again.
      try {
        unlinkSync(lockPath);
      } catch {
        // another process removed it first; the next attempt decides
      }
    }
    throw new DatabaseStartError(dbPath, `could not take the lock file ${lockPath}: other processes keep taking it`);
  }

  /** Removes the lock file if it is still ours. Idempotent; also runs on process exit. */
  override release(): void {
    if (!this.held) return;
    this.held = false;
    process.removeListener('exit', this.onExit);
    if (readPid(this.path) !== process.pid) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
