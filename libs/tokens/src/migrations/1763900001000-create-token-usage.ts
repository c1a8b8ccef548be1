import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateTokenUsage1763900001000 implements MigrationInterface {
  name = 'CreateTokenUsage1763900001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'token_usage',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'deliberation_id', type: 'varchar', length: '64' },
          { name: 'round', type: 'integer' },
          { name: 'participant_index', type: 'integer' },
          { name: 'adapter', type: 'varchar', length: '64' },
          { name: 'provider', type: 'varchar', length: '64' },
          { name: 'model', type: 'varchar', length: '200' },
          { name: 'tier', type: 'varchar', length: '16' },
          { name: 'input_tokens', type: 'integer' },
          { name: 'output_tokens', type: 'integer' },
          { name: 'reasoning_tokens', type: 'integer' },
          { name: 'cached_input_tokens', type: 'integer' },
          { name: 'total_tokens', type: 'integer' },
          { name: 'accuracy', type: 'varchar', length: '16' },
          { name: 'cost_micros', type: 'bigint', isNullable: true },
          { name: 'priced', type: 'boolean' },
          { name: 'latency_ms', type: 'integer' },
          { name: 'error_kind', type: 'varchar', length: '64', isNullable: true },
          { name: 'vote_option', type: 'text', isNullable: true },
          { name: 'after_convergence', type: 'boolean' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('token_usage', new TableIndex({ name: 'idx_token_usage_deliberation_round', columnNames: ['deliberation_id', 'round'] }));
    await queryRunner.createIndex('token_usage', new TableIndex({ name: 'idx_token_usage_created_at', columnNames: ['created_at'] }));
    await queryRunner.createIndex('token_usage', new TableIndex({ name: 'idx_token_usage_adapter', columnNames: ['adapter'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('token_usage');
  }
}
