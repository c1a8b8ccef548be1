import { configSchema } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../apps/api/src/database/database-options';
import { createTestDatabase } from './support/postgres';

/**
 * The schema is only ever changed by migrations, and the entities describe it to TypeORM: after every
 * migration has run, TypeORM's schema builder must find nothing to change, on SQLite and on PostgreSQL.
 * A column whose migration type, nullability, default or index differs from its entity shows here as a
 * pending query. And every migration undoes cleanly, on both.
 */
interface Database {
  path: string;
  drop(): Promise<void>;
}

const drivers: Array<[string, () => Promise<Database>]> = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'conclave-schema-'));
      return { path: join(dir, 'conclave.sqlite'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db = await createTestDatabase();
      return { path: db.url, drop: db.drop };
    },
  ],
];

describe.each(drivers)('the migrated schema on %s', (_driver, create) => {
  let db: Database;
  let dataSource: DataSource;

  beforeEach(async () => {
    db = await create();
    dataSource = await new DataSource(databaseOptions(configSchema.parse({ database: { path: db.path } }))).initialize();
  });

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await db?.drop();
  });

  it('should match the entities: the schema builder has nothing left to do', async () => {
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();

    expect(upQueries.map((q) => q.query)).toEqual([]);
  });

  it('should undo every migration, leaving no table of ours', async () => {
    expect(dataSource.migrations.length).toBeGreaterThan(0);
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();

    const runner = dataSource.createQueryRunner();
    const left: string[] = [];
    for (const { tableName } of dataSource.entityMetadatas) if (await runner.hasTable(tableName)) left.push(tableName);
    await runner.release();
    expect(dataSource.entityMetadatas.length).toBeGreaterThan(10);
    expect(left).toEqual([]);
    expect(await dataSource.showMigrations()).toBe(true);
  });
});
