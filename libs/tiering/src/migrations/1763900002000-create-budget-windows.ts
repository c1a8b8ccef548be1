import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateBudgetWindows1763900002000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'budget_windows',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'period_start', type: 'varchar', length: '32' },
          { name: 'period_end', type: 'varchar', length: '32' },
          { name: 'limit_tokens', type: 'bigint', isNullable: true },
          { name: 'limit_usd_micros', type: 'bigint', isNullable: true },
          { name: 'soft_cap', type: 'double precision' },
          { name: 'used_tokens', type: 'bigint', default: 0 },
          { name: 'used_micros', type: 'bigint', default: 0 },
          { name: 'mid_forecast', type: 'text', isNullable: true },
          { name: 'closed', type: 'boolean', default: false },
        ],
      }),
    );
    await queryRunner.createIndex(
      'budget_windows',
      new TableIndex({ name: 'idx_budget_windows_kind_period', columnNames: ['kind', 'period_start'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('budget_windows');
  }
}
