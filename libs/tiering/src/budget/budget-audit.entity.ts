import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Every hand on the budgets: a window's limits changed, a window reset, enforcement switched. Never deleted. */
@Entity('budget_audit')
@Index('idx_budget_audit_created', ['createdAt'])
export class BudgetAuditEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 16 }) action: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) window: string | null;
  @Column({ type: 'text' }) reason: string;
  @Column({ type: 'simple-json' }) detail: Record<string, unknown>;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
}
