import type { OnApplicationShutdown } from '@nestjs/common';

/**
 * What a process holds for as long as it uses its database, so a second process cannot run on it beside
 * it: budget reservations are checked in this process's memory, and two processes would each enforce
 * every cap on their own (together past them). SQLite: the `<db>.lock` file (DatabaseLock); PostgreSQL:
 * a session advisory lock (PostgresLock). The app releases it when it closes.
 */
export abstract class DatabaseClaim implements OnApplicationShutdown {
  /** Gives the claim up. Idempotent. */
  abstract release(): void;

  onApplicationShutdown(): void {
    this.release();
  }
}
