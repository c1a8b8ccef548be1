import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

/** Schedules and their runs. A tick is claimed by inserting its run row: (schedule_id, tick_at) is unique, so no tick runs twice. */
export class CreateSchedules1763900020000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'schedules',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'enabled', type: 'boolean' },
          { name: 'cron', type: 'varchar', length: '200', isNullable: true },
          { name: 'every_seconds', type: 'integer', isNullable: true },
          { name: 'timezone', type: 'varchar', length: '64' },
          { name: 'catch_up', type: 'boolean' },
          { name: 'deliberation', type: 'text' },
          { name: 'context_from', type: 'text', isNullable: true },
          { name: 'budget', type: 'text' },
          { name: 'max_consecutive_failures', type: 'integer' },
          { name: 'paused_reason', type: 'text', isNullable: true },
          { name: 'paused_at', type: 'varchar', length: '32', isNullable: true },
          { name: 'streak_since', type: 'varchar', length: '32' },
          { name: 'last_tick_at', type: 'varchar', length: '32' },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'schedule_runs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'schedule_id', type: 'varchar', length: '36' },
          { name: 'trigger', type: 'varchar', length: '16' },
          { name: 'tick_at', type: 'varchar', length: '32', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'skipped', type: 'varchar', length: '16', isNullable: true },
          { name: 'reason', type: 'text', isNullable: true },
          { name: 'pause_reason', type: 'varchar', length: '32', isNullable: true },
          { name: 'deliberation_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16', isNullable: true },
          { name: 'winning_option', type: 'text', isNullable: true },
          { name: 'tokens', type: 'integer', isNullable: true },
          { name: 'cost_usd', type: 'float', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'finished_at', type: 'varchar', length: '32', isNullable: true },
        ],
      }),
    );
    await queryRunner.createForeignKey(
      'schedule_runs',
      new TableForeignKey({ columnNames: ['schedule_id'], referencedTableName: 'schedules', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    // A manual run has no tick (NULL), and NULLs never collide, so only ticks are held unique.
    await queryRunner.createIndex('schedule_runs', new TableIndex({ name: 'uq_schedule_runs_tick', columnNames: ['schedule_id', 'tick_at'], isUnique: true }));
    await queryRunner.createIndex('schedule_runs', new TableIndex({ name: 'idx_schedule_runs_created', columnNames: ['schedule_id', 'created_at'] }));
    await queryRunner.createIndex('schedule_runs', new TableIndex({ name: 'idx_schedule_runs_status', columnNames: ['status'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('schedule_runs');
    await queryRunner.dropTable('schedules');
  }
}
