import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** The role the call was made in: the participant's role, or the deliberation's own (chair, digest, embeddings). */
export class AddTokenUsageRole1763900002100 implements MigrationInterface {
  name = 'AddTokenUsageRole1763900002100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('token_usage', new TableColumn({ name: 'role', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('token_usage', 'role');
  }
}
