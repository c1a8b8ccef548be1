import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** The idempotency key of every recorded answer: a second record of one call (two workers on one round) is refused. */
export class CreateRecordedCalls1763900022000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'recorded_calls',
        columns: [
          { name: 'call_key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'deliberation_id', type: 'varchar', length: '64' },
          { name: 'round', type: 'integer' },
          { name: 'participant_index', type: 'integer' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createIndex('recorded_calls', new TableIndex({ name: 'idx_recorded_calls_round', columnNames: ['deliberation_id', 'round'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('recorded_calls');
  }
}
