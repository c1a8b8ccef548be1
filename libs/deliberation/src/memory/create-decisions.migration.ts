import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateDecisions1763900019000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'decisions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'question', type: 'text' },
          { name: 'context_digest', type: 'text', isNullable: true },
          { name: 'participants', type: 'text' },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'winning_option', type: 'text', isNullable: true },
          { name: 'variants', type: 'text' },
          { name: 'tally', type: 'text' },
          { name: 'confidence', type: 'float', isNullable: true },
          { name: 'synthesis', type: 'text', isNullable: true },
          { name: 'stop_reason', type: 'varchar', length: '32' },
          { name: 'rounds', type: 'integer' },
          { name: 'tokens', type: 'integer' },
          { name: 'cost_usd', type: 'float', isNullable: true },
          { name: 'vector', type: 'text' },
          { name: 'vector_kind', type: 'varchar', length: '160' },
          { name: 'embedding', type: 'text', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('decisions', new TableIndex({ name: 'idx_decisions_created', columnNames: ['created_at'] }));
    await queryRunner.createTable(
      new Table({
        name: 'decision_reuses',
        columns: [
          { name: 'deliberation_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'decision_id', type: 'varchar', length: '36' },
          { name: 'tokens_saved', type: 'integer' },
          { name: 'cost_saved_usd', type: 'float', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('decision_reuses', new TableIndex({ name: 'idx_decision_reuses_decision', columnNames: ['decision_id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('decision_reuses');
    await queryRunner.dropTable('decisions');
  }
}
