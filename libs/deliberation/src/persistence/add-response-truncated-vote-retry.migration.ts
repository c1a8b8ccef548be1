import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Two facts about an answer that were lost: the provider cut it off at the output limit (`truncated`),
 * and what the model said to the vote-only retry (`vote_retry`, JSON: text, error kind, tokens), so a
 * stored vote can always be traced to words the model wrote.
 */
export class AddResponseTruncatedVoteRetry1763900004001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('deliberation_responses', [
      new TableColumn({ name: 'truncated', type: 'boolean', default: false }),
      new TableColumn({ name: 'vote_retry', type: 'text', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('deliberation_responses', 'vote_retry');
    await queryRunner.dropColumn('deliberation_responses', 'truncated');
  }
}
