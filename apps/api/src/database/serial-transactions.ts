import { transactionScope } from '@app/config';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * better-sqlite3 gives TypeORM one connection, so two overlapping `transaction()` calls either fail
 * ("cannot start a transaction within a transaction") or nest as savepoints, where one's rollback
 * undoes the other's writes. Participants answer in parallel and deliberations run side by side, so
 * every transaction of the process is queued here and runs alone. Called once where the DataSource is
 * made, so no caller has to remember it; PostgreSQL, with a connection pool, would not need it.
 *
 * A transaction asked for from inside another (while it is open) would wait behind it forever: that is
 * refused at once with an error naming the mistake. Pass the open transaction's manager down instead.
 */
export function serializeTransactions(dataSource: DataSource): DataSource {
  const manager = dataSource.manager;
  const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (...args: unknown[]): Promise<unknown> => {
    if (transactionScope.getStore()?.open) {
      return Promise.reject(
        new Error(
          'nested transaction: a transaction was opened inside another one; pass its EntityManager down instead (transactions run one at a time, so this would wait forever)',
        ),
      );
    }
    // (isolation?, work): DataSource.transaction passes both, the second undefined when there is no isolation level.
    const at = args.findIndex((a) => typeof a === 'function');
    const work = args[at] as (m: EntityManager) => Promise<unknown>;
    const scope = { open: true };
    const inScope = (m: EntityManager) =>
      transactionScope.run(scope, async () => {
        try {
          return await work(m);
        } finally {
          scope.open = false;
        }
      });
    const run = tail.then(() => original(...args.map((a, i) => (i === at ? inScope : a))));
    tail = run.catch(() => undefined);
    return run;
  };
  (manager as { transaction: EntityManager['transaction'] }).transaction = queued as EntityManager['transaction'];
  return dataSource;
}
