import type { EntityManager } from 'typeorm';

export type SqlValue = string | number | boolean | null;

interface CompiledSql {
  text: string;
  names: string[];
}

/** Per driver: a statement's `:name` text → the driver's placeholders, worked out once. */
const compiled = new WeakMap<object, Map<string, CompiledSql>>();

function compile(manager: EntityManager, sql: string): CompiledSql {
  const driver = manager.connection.driver;
  let byText = compiled.get(driver);
  if (!byText) {
    byText = new Map();
    compiled.set(driver, byText);
  }
  let statement = byText.get(sql);
  if (!statement) {
    const names: string[] = [];
    const text = sql.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
      names.push(name);
      return driver.createParameter(name, names.length - 1);
    });
    statement = { text, names };
    byText.set(sql, statement);
  }
  return statement;
}

/**
 * Runs one write written in standard SQL with `:name` parameters on the manager's connection (so inside
 * its transaction, if it has one) and returns the rows it changed. Used on the hot write paths (every
 * answer, every round) instead of TypeORM's query builder, which costs 100–150 µs of JavaScript per
 * statement to build; and unlike `escapeQueryWithParameters`, which writes numbers into the SQL text on
 * SQLite, every value is bound, so the text never changes and the driver prepares it once.
 * The caller serializes JSON columns itself (as simple-json would: JSON.stringify, null stays NULL).
 * Placeholders become the driver's own (`?` on SQLite, `$1` on PostgreSQL); write no `:` in literals.
 */
export async function runSql(manager: EntityManager, sql: string, parameters: Record<string, SqlValue>): Promise<number> {
  const statement = compile(manager, sql);
  const values = statement.names.map((name) => {
    const value = parameters[name];
    if (value === undefined) throw new Error(`SQL parameter :${name} has no value`);
    return value;
  });
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(statement.text, values, true);
    return result.affected ?? 0;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/**
 * A boolean column's default, as the migrations wrote it (`default: false`, stored as the SQL text
 * `false` on both drivers). Entities give it as that SQL text too (`default: SQL_FALSE`): a plain `false`
 * becomes `0` in TypeORM's SQLite driver, which its schema builder then sees as differing from the
 * migrated table (test/schema-matches-entities.e2e-spec.ts).
 */
export const SQL_FALSE = (): string => 'false';
