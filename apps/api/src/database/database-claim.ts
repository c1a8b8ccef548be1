import type { OnApplicationShutdown } from '@nestjs/common';

/**
 * What a process holds for as long as it uses its database, so a second service process cannot run on it
 * beside it. SQLite: the `<db>.lock` file (DatabaseLock), since budget reservations are checked in the
 * process's memory and two processes would each enforce every cap on their own (together past them).
 * PostgreSQL: a session advisory lock (PostgresLock); budgets are shared there, but the run queue is
 * in-process and start-up recovery marks every `running` deliberation interrupted, which would take
 * another process's runs. The app releases it when it closes.
 */
export abstract class DatabaseClaim implements OnApplicationShutdown {
  /** Gives the claim up. Idempotent. */
  abstract release(): void;

  onApplicationShutdown(): void {
    this.release();
  }
}
