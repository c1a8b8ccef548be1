import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which transaction the running code is inside, if any. On SQLite transactions run one at a time (see
 * guardTransactions in apps/api), so a transaction asked for and awaited from inside another would
 * wait for it forever; on PostgreSQL it would run outside the first. Both refuse it with an error.
 */
export const transactionScope = new AsyncLocalStorage<{ open: boolean }>();

/**
 * Work started inside a transaction but not part of it (a write queue's later writes): run outside its
 * scope, so a transaction it opens is queued behind the current one instead of refused as nested.
 */
export function detached<T>(work: () => T): T {
  return transactionScope.exit(work);
}
