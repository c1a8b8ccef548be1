import { hostname } from 'node:os';
import { redactDatabaseUrl } from '@app/config';
import { Client } from 'pg';
import { DatabaseClaim } from './database-claim';
import { DatabaseStartError } from './database-start-error';

/** The advisory lock's key (two int4s): "Conc", 1. Any other application on the database uses its own. */
const LOCK_CLASS = 0x436f6e63;
const LOCK_ID = 1;
/** Held by a cluster's process while it starts: its migrations run one process at a time. */
const STARTUP_LOCK_ID = 2;
const CONNECT_TIMEOUT_MS = 5000;

/** The command that starts the project's PostgreSQL when it is not answering (see STACK.md). */
export const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect 15 main start';

/** One line for a connection or query error of the pg driver: what it means and what to do. */
export function describePostgresError(url: string, error: unknown): string {
  const e = error as { code?: string; message?: string };
  const where = (() => {
    try {
      const u = new URL(url);
      return { host: `${u.hostname}:${u.port || 5432}`, database: decodeURIComponent(u.pathname.slice(1)), user: decodeURIComponent(u.username) || 'postgres' };
    } catch {
      return { host: '(unparseable URL)', database: '', user: '' };
    }
  })();
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `PostgreSQL is not answering at ${where.host} (${e.code}); start it (on this project's machines: ${START_POSTGRES})`;
    case '3D000':
      return `database "${where.database}" does not exist; create it (createdb -h ${where.host.split(':')[0]} -U ${where.user} ${where.database})`;
    case '28P01':
    case '28000':
      return `PostgreSQL refused user "${where.user}" (${e.message})`;
    default:
      // pg's own timeout has no code: "Connection terminated due to connection timeout".
      if (/timeout/i.test(e.message ?? ''))
        return `PostgreSQL is not answering at ${where.host} (${e.message}); start it (on this project's machines: ${START_POSTGRES})`;
      return e.message ?? String(error);
  }
}

/**
 * PostgreSQL's counterpart of the SQLite lock file: a session advisory lock held on a connection of its
 * own for the process's lifetime. Until deliberations run through a shared job queue (the run queue is
 * in-process, and start-up recovery interrupts every `running` deliberation), a second service process on
 * the same database is refused at start, naming the holder (its application_name says pid and host). A holder that dies loses its session, and with it the lock, so nothing stale remains.
 * Taking it also proves the database answers and exists, with one clear line when it does not.
 */
export class PostgresLock extends DatabaseClaim {
  private held = true;

  private constructor(
    private readonly client: Client,
    private startingUp: boolean,
  ) {
    super();
  }

  /** The app is up (its migrations ran): the next process of the cluster may start. */
  override started(): void {
    if (!this.startingUp || !this.held) return;
    this.startingUp = false;
    void this.client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, STARTUP_LOCK_ID]).catch(() => undefined);
  }

  /**
   * `shared`: a process of a cluster (CONCLAVE_REDIS), where any number share the database through the job
   * queue; they take the lock shared, so a single-process service cannot start beside them, nor they beside it.
   */
  static async acquire(url: string, shared = false): Promise<PostgresLock> {
    const shown = redactDatabaseUrl(url);
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: `conclave pid ${process.pid} on ${hostname()}`.slice(0, 63),
    });
    // A connection lost later (server restarted) must not crash the process through an unhandled 'error'.
    client.on('error', (e) => process.stderr.write(`database ${shown}: the connection holding the process lock was lost (${e.message})\n`));
    try {
      await client.connect();
      const take = shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
      const { rows } = await client.query<{ locked: boolean }>(`SELECT ${take}($1, $2) AS locked`, [LOCK_CLASS, LOCK_ID]);
      if (rows[0]?.locked) {
        // Processes of a cluster starting together would run the same migrations side by side (and collide).
        if (shared) await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, STARTUP_LOCK_ID]);
        return new PostgresLock(client, shared);
      }
      const holder = await client.query<{ name: string; addr: string | null }>(
        `SELECT a.application_name AS name, host(a.client_addr) AS addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted`,
        [LOCK_CLASS, LOCK_ID],
      );
      const who = holder.rows[0] ? `${holder.rows[0].name || 'another client'}${holder.rows[0].addr ? ` from ${holder.rows[0].addr}` : ''}` : 'another process';
      const why = shared
        ? 'a single-process service (no CONCLAVE_REDIS) holds it; stop it, or run every process with CONCLAVE_REDIS'
        : 'one Conclave service process per database unless every process runs with CONCLAVE_REDIS (the shared job queue): stop that one first';
      throw new DatabaseStartError(shown, `in use by ${who}; ${why}`);
    } catch (e) {
      await client.end().catch(() => undefined);
      if (e instanceof DatabaseStartError) throw e;
      throw new DatabaseStartError(shown, describePostgresError(url, e));
    }
  }

  /** Ends the lock's session, which releases the lock. Idempotent. */
  override release(): void {
    if (!this.held) return;
    this.held = false;
    void this.client.end().catch(() => undefined);
  }
}
