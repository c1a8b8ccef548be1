import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Budget reservations in the database (issue 21): on PostgreSQL a window's reserved amount is a column
 * that a conditional update raises only while used + reserved stays within the cap, with one row per
 * (reservation, window) written in the same transaction, so every process shares one authority. SQLite
 * (one process) keeps reserving in memory; the columns stay 0 there.
 */
export class AddBudgetReservations1763900021000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('budget_windows', [
      new TableColumn({ name: 'reserved_tokens', type: 'bigint', default: 0 }),
      new TableColumn({ name: 'reserved_micros', type: 'bigint', default: 0 }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'budget_reservations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'window_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'tokens', type: 'bigint' },
          { name: 'micros', type: 'bigint' },
          { name: 'deliberation_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'owner', type: 'varchar', length: '128' },
          { name: 'expires_at', type: 'varchar', length: '32' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('budget_reservations', new TableIndex({ name: 'idx_budget_reservations_expires', columnNames: ['expires_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('budget_reservations');
    await queryRunner.dropColumn('budget_windows', 'reserved_micros');
    await queryRunner.dropColumn('budget_windows', 'reserved_tokens');
  }
}
