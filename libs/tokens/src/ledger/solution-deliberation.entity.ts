import { Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per (adapter, deliberation) that has at least one call. Its primary key makes "is this the adapter's
 * first call in the deliberation?" an atomic INSERT ... ON CONFLICT DO NOTHING, whatever runs concurrently.
 */
@Entity({ name: 'solution_deliberations' })
export class SolutionDeliberationEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  adapter: string;

  @PrimaryColumn({ name: 'deliberation_id', type: 'varchar', length: 64 })
  deliberationId: string;
}
