import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateBudgetAudit1763900002003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'budget_audit',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'action', type: 'varchar', length: '16' },
          { name: 'window', type: 'varchar', length: '16', isNullable: true },
          { name: 'reason', type: 'text' },
          { name: 'detail', type: 'text' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('budget_audit', new TableIndex({ name: 'idx_budget_audit_created', columnNames: ['created_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('budget_audit');
  }
}
