import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Issue 15.5: a participant moved before its call because its adapter's circuit breaker was open — the
 * adapter it was moved off and why (`adapter_unavailable`).
 */
export class AddAllocationFallback1763900015500 implements MigrationInterface {
  name = 'AddAllocationFallback1763900015500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('allocations', [
      new TableColumn({ name: 'moved_from', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'fallback_reason', type: 'varchar', length: '32', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('allocations', ['moved_from', 'fallback_reason']);
  }
}
