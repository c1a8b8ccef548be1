import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { AllocationQuery } from '@app/tiering';
import { IsDateQuery, IsNotBefore } from '../http/date-range';

export class AllocationRangeDto {
  @ApiPropertyOptional({ description: 'Decisions made at or after this instant (ISO-8601)', example: '2025-11-01T00:00:00Z' })
  @IsOptional()
  @IsDateQuery('2025-11-01T00:00:00Z')
  from?: string;

  @ApiPropertyOptional({ description: 'Decisions made at or before this instant (ISO-8601)', example: '2025-12-01T00:00:00Z' })
  @IsOptional()
  @IsDateQuery('2025-12-01T00:00:00Z')
  @IsNotBefore('from')
  to?: string;
}

export class AllocationQueryDto extends AllocationRangeDto {
  @ApiPropertyOptional({ description: 'Only this deliberation' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'deliberationId must be a deliberation id (letters, digits, "-" or "_", at most 64)' })
  deliberationId?: string;

  toQuery(): AllocationQuery {
    return { deliberationId: this.deliberationId, from: this.from, to: this.to };
  }
}

class AllocationSignalsDto {
  @ApiProperty() round: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Latest convergence score' }) score: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Latest minus previous score' }) trend: number | null;
  @ApiProperty({ description: 'Distinct options the previous votes went to' }) voteSpread: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Tightest remaining budget fraction' }) budgetLeft: number | null;
}

class CallUseDto {
  @ApiProperty() tokens: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null when any part of the call is unpriced' }) costUsd: number | null;
}

export class AllocationDto {
  @ApiProperty() id: string;
  @ApiProperty() deliberationId: string;
  @ApiProperty() round: number;
  @ApiProperty() participantIndex: number;
  @ApiProperty({ enum: ['GREEN', 'YELLOW', 'ORANGE', 'RED'] }) zone: 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED';
  @ApiProperty({ type: AllocationSignalsDto }) signals: AllocationSignalsDto;
  @ApiProperty() recommendedModel: string;
  @ApiProperty() actualModel: string;
  @ApiProperty() adapter: string;
  @ApiProperty({ enum: ['T0', 'T1', 'T2', 'T3'] }) adapterTier: string;
  @ApiProperty({ enum: ['fast', 'reasoning'] }) tier: string;
  @ApiProperty() reason: string;
  @ApiProperty() override: boolean;
  @ApiProperty({ type: String, nullable: true }) overrideReason: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The participant's role" }) role: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The complexity (1–5) the request gave for this participant' }) complexity: number | null;
  @ApiProperty({ description: "force kept the model past a soft cap or past the zone's forced fast models" }) forced: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The adapter the participant was moved off before its call (its circuit breaker was open)' })
  movedFrom: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['adapter_unavailable'], description: 'Why it was moved; null when it was not' })
  fallbackReason: string | null;
  @ApiProperty({
    type: CallUseDto,
    nullable: true,
    description: 'What the allocated call used (its vote retry included), from the token ledger; null before it answered',
  })
  used: CallUseDto | null;
  @ApiProperty() createdAt: string;
}

class TierShareDto {
  @ApiProperty() tier: string;
  @ApiProperty() calls: number;
  @ApiProperty({ description: 'calls / total' }) share: number;
}

export class AllocationStatsDto {
  @ApiProperty() total: number;
  @ApiProperty({ description: 'Share of decisions whose actual model differs from the recommendation' }) overrideRate: number;
  @ApiProperty({ type: TierShareDto, isArray: true, description: 'Per model tier (fast / reasoning)' }) byTier: TierShareDto[];
  @ApiProperty({ type: TierShareDto, isArray: true, description: 'Per adapter tier (T0..T3)' }) byAdapterTier: TierShareDto[];
}
