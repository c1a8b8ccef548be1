import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { START_POSTGRES } from '../../apps/api/src/database/postgres-lock';
import { startTestApp, type TestApp } from './test-app';

/**
 * PostgreSQL for the tests: the project's machines (CI's included) run PostgreSQL 15 on 127.0.0.1:5432
 * with trust auth for user postgres (`CONCLAVE_TEST_PG` points elsewhere). Each test gets a database of
 * its own, dropped after. A server that does not answer fails the suite with a message naming the
 * service and the command that starts it: never a silent skip.
 */
export const POSTGRES_ADMIN_URL = process.env.CONCLAVE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** The URL to give the app as `database.path` (or CONCLAVE_DB). */
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(
      `PostgreSQL is not answering at ${POSTGRES_ADMIN_URL} (${(e as Error).message}). These tests need it: start it with \`${START_POSTGRES}\` (.ci/run does this).`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database; `drop()` removes it, ending any session still on it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `conclave_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The real app on a PostgreSQL database of its own (see startTestApp); `close()` also drops the database. */
export async function startPostgresTestApp(overrides: Record<string, unknown> = {}): Promise<TestApp & { database: TestDatabase }> {
  const database = await createTestDatabase();
  try {
    const t = await startTestApp({ ...overrides, database: { ...((overrides.database as object) ?? {}), path: database.url } });
    return {
      ...t,
      database,
      close: async () => {
        await t.close();
        await database.drop();
      },
    };
  } catch (e) {
    await database.drop();
    throw e;
  }
}
