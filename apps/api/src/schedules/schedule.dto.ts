import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { MAX_EVERY_SECONDS } from '@app/schedules';
import { CreateDeliberationDto } from '../deliberations/deliberation.dto';
import { IsPlainText } from '../http/validation';

export class PerRunBudgetDto {
  @ApiPropertyOptional({ description: "Each run's token cap (the deliberation's budget.maxTokens)", example: 200000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  maxTokens?: number;

  @ApiPropertyOptional({ description: "Each run's USD cap (the deliberation's budget.maxCostUsd)", example: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1_000_000)
  maxCostUsd?: number;
}

export class MonthlyBudgetDto {
  @ApiPropertyOptional({ description: "Tokens all of the schedule's runs may spend in a calendar month (its time zone)", example: 4000000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000_000)
  tokens?: number;

  @ApiPropertyOptional({ description: "USD all of the schedule's runs may spend in a calendar month", example: 20 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1_000_000_000)
  usd?: number;
}

export class ScheduleBudgetDto {
  @ApiProperty({ type: PerRunBudgetDto, description: 'The cap of every run; a run is skipped (skipped: budget) when it no longer fits the monthly cap' })
  @IsObject()
  @ValidateNested()
  @Type(() => PerRunBudgetDto)
  perRun: PerRunBudgetDto;

  @ApiPropertyOptional({ type: MonthlyBudgetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MonthlyBudgetDto)
  monthly?: MonthlyBudgetDto;
}

export class ContextFromDto {
  @ApiPropertyOptional({
    description: 'A file inside the configured schedules.contextDir (relative to it), read at every run',
    example: 'incidents/yesterday.md',
  })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  file?: string;

  @ApiPropertyOptional({ description: 'A path of this service, read at every run', example: '/v1/deliberations/3f1c…/transcript' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;
}

export class CreateScheduleDto {
  @ApiProperty({ example: 'Weekday incident review' })
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name: string;

  @ApiPropertyOptional({ description: 'A cron expression (5 fields, or 6 with seconds); give this or everySeconds', example: '0 9 * * 1-5' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cron?: string;

  @ApiPropertyOptional({ description: 'Ticks every N seconds, on a grid counted from the epoch; at least schedules.minIntervalSeconds (60)', example: 3600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EVERY_SECONDS)
  everySeconds?: number;

  @ApiPropertyOptional({ description: 'IANA time zone of the cron expression and of the monthly cap', default: 'UTC', example: 'Europe/Berlin' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timezone?: string;

  @ApiProperty({ type: CreateDeliberationDto, description: 'The body of POST /v1/deliberations, validated alike (its budget comes from budget.perRun)' })
  @IsObject()
  @ValidateNested()
  @Type(() => CreateDeliberationDto)
  deliberation: CreateDeliberationDto;

  @ApiPropertyOptional({
    type: ContextFromDto,
    nullable: true,
    description: "Read at every run and given as the deliberation's context (after its own); one of file or url",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ContextFromDto)
  contextFrom?: ContextFromDto | null;

  @ApiProperty({ type: ScheduleBudgetDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ScheduleBudgetDto)
  budget: ScheduleBudgetDto;

  @ApiPropertyOptional({ description: 'Failed or budget-paused runs in a row after which the schedule pauses itself', default: 3, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxConsecutiveFailures?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'A tick missed while the service was down runs once at start (true) or is recorded as missed (false)', default: false })
  @IsOptional()
  @IsBoolean()
  catchUp?: boolean;
}

/** Any field of a create; the result is validated as a whole. A cron replaces an everySeconds and the reverse. */
export class UpdateScheduleDto extends PartialType(CreateScheduleDto) {}

export class RunsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

// Response shapes (documentation and the page's generated types).

export class ScheduleMonthDto {
  @ApiProperty() tokens: number;
  @ApiProperty() costUsd: number;
}

export class ScheduleViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'paused'] }) status: 'active' | 'paused';
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) cron: string | null;
  @ApiProperty({ type: Number, nullable: true }) everySeconds: number | null;
  @ApiProperty() timezone: string;
  @ApiProperty() catchUp: boolean;
  @ApiProperty({ type: CreateDeliberationDto }) deliberation: CreateDeliberationDto;
  @ApiProperty({ type: ContextFromDto, nullable: true }) contextFrom: ContextFromDto | null;
  @ApiProperty({ type: ScheduleBudgetDto }) budget: ScheduleBudgetDto;
  @ApiProperty() maxConsecutiveFailures: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why the schedule paused itself' }) pausedReason: string | null;
  @ApiProperty({ type: String, nullable: true }) pausedAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The latest tick handled (run, skipped or missed)' }) lastTickAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null when no tick will fire (paused, disabled, schedules.enabled off)' }) nextTickAt:
    string | null;
  @ApiProperty({ type: ScheduleMonthDto, description: "This calendar month's spend of the schedule's runs (their deliberations' figures)" })
  monthToDate: ScheduleMonthDto;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ScheduleRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) scheduleId: string;
  @ApiProperty({ enum: ['tick', 'catch_up', 'manual'] }) trigger: string;
  @ApiProperty({ type: String, nullable: true }) tickAt: string | null;
  @ApiProperty({ enum: ['running', 'completed', 'failed', 'paused', 'cancelled', 'interrupted', 'skipped', 'missed'] }) status: string;
  @ApiProperty({ type: String, nullable: true, enum: ['budget', 'overlap'] }) skipped: string | null;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, nullable: true }) deliberationId: string | null;
  @ApiProperty({ type: String, nullable: true }) outcome: string | null;
  @ApiProperty({ type: String, nullable: true }) winningOption: string | null;
  @ApiProperty({ type: Number, nullable: true }) tokens: number | null;
  @ApiProperty({ type: Number, nullable: true }) costUsd: number | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
}

export class ScheduleEventDto {
  @ApiProperty({ enum: ['run_started', 'run_finished', 'run_skipped', 'run_missed', 'schedule_paused', 'schedule_resumed'] }) type: string;
  @ApiProperty({ format: 'uuid' }) scheduleId: string;
  @ApiProperty() at: string;
  @ApiPropertyOptional({ type: ScheduleRunDto }) run?: ScheduleRunDto;
  @ApiPropertyOptional() reason?: string;
}
