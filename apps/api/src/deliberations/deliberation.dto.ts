import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { HISTORY_POLICIES, MEMORY_MODES, type HistoryPolicy, type MemoryMode } from '@app/deliberation';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsPlainText } from '../http/validation';

export class ParticipantDto {
  @ApiProperty({ description: 'A configured adapter (GET /v1/adapters)', example: 'claude' })
  @IsString()
  @Length(1, 64)
  adapter: string;

  @ApiPropertyOptional({ description: "A model to use instead of the adapter's model for the chosen tier", example: 'claude-sonnet-4-6' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  model?: string;

  @ApiPropertyOptional({ enum: ['fast', 'reasoning', 'auto'], default: 'auto' })
  @IsOptional()
  @IsIn(['fast', 'reasoning', 'auto'])
  tier?: 'fast' | 'reasoning' | 'auto';

  @ApiPropertyOptional({ enum: ['for', 'against', 'neutral'], default: 'neutral' })
  @IsOptional()
  @IsIn(['for', 'against', 'neutral'])
  stance?: 'for' | 'against' | 'neutral';

  @ApiPropertyOptional({ description: 'A role such as "security"; config may give roles a minimum tier', example: 'security' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  role?: string;

  @ApiPropertyOptional({
    description:
      "Keep this adapter past a budget window's soft cap, and a reasoning tier past the zone's forced fast models; audited in GET /v1/allocations (forced: true) with overrideReason. Never past a hard cap: a hard cap is the promise made to whoever set it, so the round then runs within it or pauses.",
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({ description: 'Why the model is forced; required with force: true' })
  @ValidateIf((o: ParticipantDto) => o.force === true || o.overrideReason !== undefined)
  @IsString()
  @Length(3, 500)
  overrideReason?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 5,
    description: "How hard the question is for this participant (1–5, over the request's); 4 and 5 ask for reasoning models",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  complexity?: number;
}

export class BudgetDto {
  @ApiPropertyOptional({ example: 200000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  maxTokens?: number;

  @ApiPropertyOptional({ example: 2.5 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1_000_000)
  maxCostUsd?: number;
}

export class ConvergenceDto {
  @ApiPropertyOptional({ example: 0.85 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  threshold?: number;
}

export class ChairDto {
  @ApiProperty({ description: 'A configured adapter that writes the synthesis after the last round', example: 'claude' })
  @IsString()
  @Length(1, 64)
  adapter: string;

  @ApiPropertyOptional({ description: "A model instead of the adapter's model for the tier", example: 'claude-sonnet-4-6' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  model?: string;

  @ApiPropertyOptional({ enum: ['fast', 'reasoning'], default: 'reasoning' })
  @IsOptional()
  @IsIn(['fast', 'reasoning'])
  tier?: 'fast' | 'reasoning';
}

export class CreateDeliberationDto {
  @ApiProperty({ example: 'Should we move the billing service from REST polling to webhooks?' })
  @IsString()
  @Length(1, 20_000)
  @IsPlainText()
  question: string;

  @ApiProperty({ type: [ParticipantDto] })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(8)
  @ValidateNested({ each: true })
  @Type(() => ParticipantDto)
  participants: ParticipantDto[];

  @ApiPropertyOptional({ enum: ['quick', 'conference'], default: 'conference' })
  @IsOptional()
  @IsIn(['quick', 'conference'])
  mode?: 'quick' | 'conference';

  @ApiPropertyOptional({ minimum: 1, maximum: 10, default: 3 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxRounds?: number;

  @ApiPropertyOptional({ maxLength: 100_000 })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  @IsPlainText()
  context?: string;

  @ApiPropertyOptional({ description: 'Critical deliberations get a minimum tier (config tiering.floors.critical, default T2)' })
  @IsOptional()
  @IsBoolean()
  critical?: boolean;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 5,
    description: 'How hard the question is (1–5); 4 and 5 ask the tier selector for reasoning models (the budget still rules)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  complexity?: number;

  @ApiPropertyOptional({ type: BudgetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BudgetDto)
  budget?: BudgetDto;

  @ApiPropertyOptional({ type: ConvergenceDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ConvergenceDto)
  convergence?: ConvergenceDto;

  @ApiPropertyOptional({
    enum: HISTORY_POLICIES,
    description:
      "What each participant re-reads from earlier rounds: full (every answer), latest (each participant's latest answer), digest (own latest in full, the others' as vote + opening + key claims). Default: config deliberation.history (digest).",
  })
  @IsOptional()
  @IsIn(HISTORY_POLICIES)
  history?: HistoryPolicy;

  @ApiPropertyOptional({
    type: ChairDto,
    description:
      'After the last round, one call to this adapter writes a synthesis (result.synthesis: recommendation, agreements, disagreements, dissent) and may map paraphrased votes to one decision (result.outcomeBy). Reserved like any call; skipped, and said so, when it does not fit the budget. Default: config deliberation.chair, else none.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChairDto)
  chair?: ChairDto;

  @ApiPropertyOptional({
    enum: MEMORY_MODES,
    description:
      'Decision memory: off; context (up to memory.contextDecisions past decisions at or above memory.minSimilarity quoted in round 1\'s prompt, trimmed first when it is tight); reuse (a past decision at or above memory.reuseSimilarity, with no differing content word, younger than memory.reuseMaxAgeDays and decided by at least these adapters, answers at once: completed, stopReason "reused", result.reusedFrom, no model call; ?force=true runs it anyway; without one it runs as context). Default: config memory.mode (context).',
  })
  @IsOptional()
  @IsIn(MEMORY_MODES, { message: `memory must be one of ${MEMORY_MODES.join(', ')}` })
  memory?: MemoryMode;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class CreateQueryDto {
  @ApiPropertyOptional({ description: 'Wait for the deliberation to finish (up to deliberation.waitTimeoutMs) and answer 200' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  wait?: boolean;

  @ApiPropertyOptional({ description: 'With memory: reuse, run the deliberation even when a past decision could answer it' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  force?: boolean;
}

export class PauseQueryDto {
  @ApiPropertyOptional({ description: 'Cut the calls in flight now (answers that arrived are kept) instead of letting them finish' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  now?: boolean;

  @ApiPropertyOptional({ description: 'Answer once the deliberation has stopped (200, the paused deliberation) instead of at once (202)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  wait?: boolean;
}

export const STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'] as const;

export class ListQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class ResumeDto {
  @ApiPropertyOptional({ type: BudgetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BudgetDto)
  budget?: BudgetDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxRounds?: number;

  @ApiPropertyOptional({ type: [ParticipantDto], description: 'Replace adapters or models; same count unless changeParticipantCount' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(8)
  @ValidateNested({ each: true })
  @Type(() => ParticipantDto)
  participants?: ParticipantDto[];

  @ApiPropertyOptional({ description: 'Allow the participant count to change' })
  @IsOptional()
  @IsBoolean()
  changeParticipantCount?: boolean;
}

export class IncludeQueryDto {
  @ApiPropertyOptional({ enum: ['state'] })
  @IsOptional()
  @IsIn(['state'])
  include?: 'state';
}

export class RoundParamDto {
  /** Both path parameters: with forbidNonWhitelisted, a DTO bound to the whole @Param() must declare `id` too. */
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;

  @ApiProperty()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  n: number;
}
