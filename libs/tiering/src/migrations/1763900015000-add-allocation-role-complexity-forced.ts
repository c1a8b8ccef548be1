import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Issue 15.3 and 15.7: who a decision was for (the participant's role), how hard the request said the
 * question is (1–5), and whether `force` kept a model past the policy (a soft cap or a zone).
 */
export class AddAllocationRoleComplexityForced1763900015000 implements MigrationInterface {
  name = 'AddAllocationRoleComplexityForced1763900015000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('allocations', [
      new TableColumn({ name: 'role', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'complexity', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'forced', type: 'boolean', default: false }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('allocations', ['role', 'complexity', 'forced']);
  }
}
