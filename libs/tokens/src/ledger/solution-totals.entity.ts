import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './bigint-transformer';

/** Lifetime totals per adapter ("solution"), kept by atomic increments only. */
@Entity({ name: 'solution_totals' })
export class SolutionTotalsEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  adapter: string;

  @Column({ name: 'total_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  totalTokens: number;

  @Column({ name: 'exact_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  exactTokens: number;

  @Column({ name: 'estimated_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  estimatedTokens: number;

  @Column({ name: 'input_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  inputTokens: number;

  @Column({ name: 'output_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outputTokens: number;

  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  reasoningTokens: number;

  @Column({ name: 'cached_input_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  cachedInputTokens: number;

  @Column({ type: 'integer', default: 0 })
  calls: number;

  @Column({ name: 'unavailable_calls', type: 'integer', default: 0 })
  unavailableCalls: number;

  @Column({ name: 'unpriced_calls', type: 'integer', default: 0 })
  unpricedCalls: number;

  @Column({ name: 'cost_micros', type: 'bigint', default: 0, transformer: bigintAsNumber })
  costMicros: number;

  @Column({ name: 'cost_lower_micros', type: 'bigint', default: 0, transformer: bigintAsNumber })
  costLowerMicros: number;

  @Column({ name: 'cost_upper_micros', type: 'bigint', default: 0, transformer: bigintAsNumber })
  costUpperMicros: number;

  /** Deliberations in which this adapter made at least one call. */
  @Column({ type: 'integer', default: 0 })
  deliberations: number;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt: string;
}
