import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class CreateBudgetSettings1763900002001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'budget_settings',
        columns: [
          { name: 'kind', type: 'varchar', length: '16', isPrimary: true },
          { name: 'limit_tokens', type: 'bigint', isNullable: true },
          { name: 'limit_usd_micros', type: 'bigint', isNullable: true },
          { name: 'soft_cap', type: 'double precision' },
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('budget_settings');
  }
}
