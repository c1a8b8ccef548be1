import type { OnApplicationShutdown } from '@nestjs/common';

/**
 * What a process holds for as long as it uses its database, so a second service process cannot run on it
 * beside it. SQLite: the `<db>.lock` file (DatabaseLock), since budget reservations are checked in the
 * process's memory and two processes would each enforce every cap on their own (together past them).
 * PostgreSQL: a session advisory lock (PostgresLock); budgets are shared there, but one process's run
 * queue is in-process and its start-up recovery marks every `running` deliberation interrupted, which
 * would take another process's runs; a cluster's processes (CONCLAVE_REDIS) take it shared instead. The app releases it when it closes.
 */
export abstract class DatabaseClaim implements OnApplicationShutdown {
  /** Gives the claim up. Idempotent. */
  abstract release(): void;

  /** Called once the app has started (migrations done). */
  started(): void {}

  onApplicationShutdown(): void {
    this.release();
  }
}
