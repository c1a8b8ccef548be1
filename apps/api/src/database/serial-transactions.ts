import type { DataSource, EntityManager } from 'typeorm';

/**
 * better-sqlite3 gives TypeORM one connection, so two overlapping `transaction()` calls either fail
 * ("cannot start a transaction within a transaction") or nest as savepoints, where one's rollback
 * undoes the other's writes. Participants answer in parallel and deliberations run side by side, so
 * every transaction of the process is queued here and runs alone. Called once where the DataSource is
 * made, so no caller has to remember it; PostgreSQL, with a connection pool, would not need it.
 */
export function serializeTransactions(dataSource: DataSource): DataSource {
  const manager = dataSource.manager;
  const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (...args: unknown[]): Promise<unknown> => {
    const run = tail.then(() => original(...args));
    tail = run.catch(() => undefined);
    return run;
  };
  (manager as { transaction: EntityManager['transaction'] }).transaction = queued as EntityManager['transaction'];
  return dataSource;
}
