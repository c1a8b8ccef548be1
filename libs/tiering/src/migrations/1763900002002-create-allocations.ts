import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateAllocations1763900002002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'allocations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'deliberation_id', type: 'varchar', length: '64' },
          { name: 'round', type: 'integer' },
          { name: 'participant_index', type: 'integer' },
          { name: 'zone', type: 'varchar', length: '8' },
          { name: 'signals', type: 'text' },
          { name: 'recommended_model', type: 'varchar', length: '200' },
          { name: 'actual_model', type: 'varchar', length: '200' },
          { name: 'adapter', type: 'varchar', length: '64' },
          { name: 'adapter_tier', type: 'varchar', length: '2' },
          { name: 'tier', type: 'varchar', length: '16' },
          { name: 'reason', type: 'text' },
          { name: 'override', type: 'boolean', default: false },
          { name: 'override_reason', type: 'text', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('allocations', new TableIndex({ name: 'idx_allocations_deliberation_round', columnNames: ['deliberation_id', 'round'] }));
    await queryRunner.createIndex('allocations', new TableIndex({ name: 'idx_allocations_created_at', columnNames: ['created_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('allocations');
  }
}
