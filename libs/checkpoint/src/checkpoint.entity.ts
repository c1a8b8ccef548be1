import { SQL_FALSE } from '@app/config';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('checkpoints')
@Index('idx_checkpoints_deliberation', ['deliberationId', 'round'])
export class CheckpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'deliberation_id', type: 'varchar', length: 36 }) deliberationId: string;
  /** The last completed round the state includes. */
  @Column({ type: 'integer' }) round: number;
  @Column({ type: 'varchar', length: 32 }) reason: string;
  @Column({ name: 'schema_version', type: 'integer' }) schemaVersion: number;
  @Column({ type: 'text' }) state: string;
  @Column({ name: 'size_bytes', type: 'integer' }) sizeBytes: number;
  /** Set once the deliberation has finished, so pruning may consider its older checkpoints. */
  @Column({ name: 'deliberation_finished', type: 'boolean', default: SQL_FALSE }) deliberationFinished: boolean;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
}
