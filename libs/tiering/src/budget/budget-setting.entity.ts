import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../persistence-columns';

/** Limits changed over REST. A row replaces the config's window entirely (a null limit means none). */
@Entity('budget_settings')
export class BudgetSettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ name: 'limit_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  limitTokens: number | null;

  @Column({ name: 'limit_usd_micros', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  limitUsdMicros: number | null;

  @Column({ name: 'soft_cap', type: 'double precision' })
  softCap: number;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt: string;
}
