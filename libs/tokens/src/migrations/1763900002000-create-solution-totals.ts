import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const counter = (name: string, type: 'bigint' | 'integer' = 'bigint') => ({ name, type, default: 0 });

export class CreateSolutionTotals1763900002000 implements MigrationInterface {
  name = 'CreateSolutionTotals1763900002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'solution_totals',
        columns: [
          { name: 'adapter', type: 'varchar', length: '64', isPrimary: true },
          counter('total_tokens'),
          counter('exact_tokens'),
          counter('estimated_tokens'),
          counter('input_tokens'),
          counter('output_tokens'),
          counter('reasoning_tokens'),
          counter('cached_input_tokens'),
          counter('calls', 'integer'),
          counter('unavailable_calls', 'integer'),
          counter('unpriced_calls', 'integer'),
          counter('cost_micros'),
          counter('cost_lower_micros'),
          counter('cost_upper_micros'),
          counter('deliberations', 'integer'),
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'solution_deliberations',
        columns: [
          { name: 'adapter', type: 'varchar', length: '64', isPrimary: true },
          { name: 'deliberation_id', type: 'varchar', length: '64', isPrimary: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('solution_deliberations');
    await queryRunner.dropTable('solution_totals');
  }
}
