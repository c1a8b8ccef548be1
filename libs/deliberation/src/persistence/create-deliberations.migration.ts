import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateDeliberations1763900004000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'deliberations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'question', type: 'text' },
          { name: 'mode', type: 'varchar', length: '16' },
          { name: 'max_rounds', type: 'integer' },
          { name: 'request', type: 'text' },
          { name: 'participants', type: 'text' },
          { name: 'result', type: 'text', isNullable: true },
          { name: 'pause', type: 'text', isNullable: true },
          { name: 'failure', type: 'text', isNullable: true },
          { name: 'latest_checkpoint_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'parent_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'forked_from_checkpoint_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'resumes', type: 'text' },
          { name: 'runtime', type: 'text' },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('deliberations', new TableIndex({ name: 'idx_deliberations_created', columnNames: ['created_at', 'id'] }));
    await queryRunner.createIndex('deliberations', new TableIndex({ name: 'idx_deliberations_status', columnNames: ['status'] }));
    await queryRunner.createTable(
      new Table({
        name: 'deliberation_rounds',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'deliberation_id', type: 'varchar', length: '36' },
          { name: 'number', type: 'integer' },
          { name: 'started_at', type: 'varchar', length: '32' },
          { name: 'completed_at', type: 'varchar', length: '32', isNullable: true },
          { name: 'convergence', type: 'text', isNullable: true },
          { name: 'decisions', type: 'text' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'deliberation_rounds',
      new TableIndex({ name: 'uq_rounds_deliberation_number', columnNames: ['deliberation_id', 'number'], isUnique: true }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'deliberation_responses',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'deliberation_id', type: 'varchar', length: '36' },
          { name: 'round', type: 'integer' },
          { name: 'participant_index', type: 'integer' },
          { name: 'adapter', type: 'varchar', length: '64' },
          { name: 'model', type: 'varchar', length: '128' },
          { name: 'tier', type: 'varchar', length: '16' },
          { name: 'text', type: 'text' },
          { name: 'vote', type: 'text', isNullable: true },
          { name: 'vote_error', type: 'varchar', length: '32', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'latency_ms', type: 'integer' },
          { name: 'usage', type: 'text' },
          { name: 'cost_usd', type: 'float', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'deliberation_responses',
      new TableIndex({ name: 'uq_responses_round_participant', columnNames: ['deliberation_id', 'round', 'participant_index'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deliberation_responses');
    await queryRunner.dropTable('deliberation_rounds');
    await queryRunner.dropTable('deliberations');
  }
}
