import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateCheckpoints1763900003000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'checkpoints',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'deliberation_id', type: 'varchar', length: '36' },
          { name: 'round', type: 'integer' },
          { name: 'reason', type: 'varchar', length: '32' },
          { name: 'schema_version', type: 'integer' },
          { name: 'state', type: 'text' },
          { name: 'size_bytes', type: 'integer' },
          { name: 'deliberation_finished', type: 'boolean', default: false },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('checkpoints', new TableIndex({ name: 'idx_checkpoints_deliberation', columnNames: ['deliberation_id', 'round'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('checkpoints');
  }
}
