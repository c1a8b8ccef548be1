import { transactionScope } from '@app/config';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Every `transaction()` of the process goes through here; called once where the DataSource is made, so
 * no caller has to remember it.
 *
 * SQLite: better-sqlite3 gives TypeORM one connection, so two overlapping `transaction()` calls either
 * fail ("cannot start a transaction within a transaction") or nest as savepoints, where one's rollback
 * undoes the other's writes. Participants answer in parallel and deliberations run side by side, so
 * every transaction is queued and runs alone.
 *
 * PostgreSQL: each transaction takes a connection of the pool and they run side by side; what must not
 * interleave is written as single atomic statements (increments, upserts, guarded status updates), as
 * on SQLite. Nothing is queued.
 *
 * On both, a transaction asked for from inside another (while it is open) is refused at once with an
 * error naming the mistake: on SQLite it would wait behind the first forever; on PostgreSQL it would run
 * on a second connection, outside the first one's rollback, and could exhaust the pool. Pass the open
 * transaction's manager down instead.
 */
export function guardTransactions(dataSource: DataSource): DataSource {
  const serial = dataSource.options.type === 'better-sqlite3';
  const manager = dataSource.manager;
  const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const guarded = (...args: unknown[]): Promise<unknown> => {
    if (transactionScope.getStore()?.open) {
      return Promise.reject(
        new Error(
          serial
            ? 'nested transaction: a transaction was opened inside another one; pass its EntityManager down instead (transactions run one at a time, so this would wait forever)'
            : 'nested transaction: a transaction was opened inside another one; pass its EntityManager down instead (it would run on another connection, outside the first one)',
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
    const start = () => original(...args.map((a, i) => (i === at ? inScope : a)));
    if (!serial) return start();
    const run = tail.then(start);
    tail = run.catch(() => undefined);
    return run;
  };
  (manager as { transaction: EntityManager['transaction'] }).transaction = guarded as EntityManager['transaction'];
  return dataSource;
}
