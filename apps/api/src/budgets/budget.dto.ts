import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsPositive, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { IsPlainText } from '../http/validation';
import { WINDOW_KINDS, type WindowKind, type WindowLimitsUpdate } from '@app/tiering';

export class WindowParamDto {
  @ApiProperty({ enum: WINDOW_KINDS })
  @IsIn(WINDOW_KINDS, { message: `window must be one of ${WINDOW_KINDS.join(', ')}` })
  window: WindowKind;
}

const MAX_BUDGET_USD = 1_000_000_000;

export class UpdateBudgetWindowDto implements WindowLimitsUpdate {
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Token limit (a positive integer); null removes it; absent keeps it', example: 2_000_000 })
  @IsOptional()
  @IsInt({ message: 'tokens must be a positive integer or null' })
  @IsPositive({ message: 'tokens must be a positive integer or null' })
  @Max(Number.MAX_SAFE_INTEGER, { message: `tokens must be at most ${Number.MAX_SAFE_INTEGER}` })
  tokens?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'USD limit (positive); null removes it; absent keeps it', example: 25 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'usd must be a positive number or null' })
  @IsPositive({ message: 'usd must be a positive number or null' })
  // Limits are kept in micro-dollars: beyond this they would not be exact integers any more.
  @Max(MAX_BUDGET_USD, { message: `usd must be at most ${MAX_BUDGET_USD}` })
  usd?: number | null;

  @ApiPropertyOptional({ description: 'Why, for the budget audit (default "limits changed")' })
  @IsOptional()
  @IsString()
  @Length(3, 500)
  @IsPlainText()
  reason?: string;

  @ApiPropertyOptional({ description: 'Fraction of a limit from which T3 adapters are no longer used', minimum: 0, maximum: 1, example: 0.8 })
  // Not @IsOptional: that would let null through, and a soft cap cannot be removed, only changed.
  @ValidateIf((o: UpdateBudgetWindowDto) => o.softCap !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'softCap must be a number between 0 and 1' })
  @Min(0, { message: 'softCap must be a number between 0 and 1' })
  @Max(1, { message: 'softCap must be a number between 0 and 1' })
  softCap?: number;
}

class AmountDto {
  @ApiProperty() tokens: number;
  @ApiProperty() usd: number;
}

class LimitsDto {
  @ApiProperty({ type: Number, nullable: true }) tokens: number | null;
  @ApiProperty({ type: Number, nullable: true }) usd: number | null;
}

class BurnRateDto {
  @ApiProperty() tokensPerHour: number;
  @ApiProperty() usdPerHour: number;
}

export class ForecastDto extends BurnRateDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Hours until the first limit runs out at the current rate' })
  hoursToExhaustion: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'When that happens, if within the window' }) exhaustionAt: string | null;
  @ApiProperty({ description: 'Tokens used by the end of the window if the rate holds' }) projectedTokens: number;
  @ApiProperty() projectedUsd: number;
  @ApiProperty({ type: Number, nullable: true, description: 'The projection against the tightest limit (1 = runs out at the reset); null with no limit' })
  projectedFraction: number | null;
  @ApiProperty({
    enum: ['high', 'medium', 'low'],
    description: 'From how steady the hourly burn has been (low: under 3 hours, or bursty); the tier selector reads a low-confidence forecast 20% worse',
  })
  confidence: string;
  @ApiProperty({ type: Number, nullable: true, description: "The hourly burn's coefficient of variation; null under 3 hours" }) burnVariation: number | null;
  @ApiProperty({ enum: ['GREEN', 'YELLOW', 'ORANGE', 'RED'] }) zone: string;
  @ApiProperty() recommendation: string;
}

export class WindowStatusDto {
  @ApiProperty({ enum: WINDOW_KINDS }) window: WindowKind;
  @ApiProperty({ type: LimitsDto }) limits: LimitsDto;
  @ApiProperty() softCap: number;
  @ApiProperty({ type: AmountDto }) used: AmountDto;
  @ApiProperty({ type: AmountDto, description: 'Estimates of calls in flight' }) reserved: AmountDto;
  @ApiProperty({ type: LimitsDto, description: 'limit - used - reserved; null where there is no limit' }) remaining: LimitsDto;
  @ApiProperty({ type: LimitsDto, description: 'The slice of the limits held for critical participants (budgets.reservePct); other calls stop short of it' })
  heldForCritical: LimitsDto;
  @ApiProperty({ type: AmountDto, description: 'used beyond the hard cap (a provider reported more than its reservation); 0 when none' }) overshoot: AmountDto;
  @ApiProperty({ type: Number, nullable: true }) fractionUsed: number | null;
  @ApiProperty({ enum: ['GREEN', 'YELLOW', 'ORANGE', 'RED'] }) zone: string;
  @ApiProperty({ type: BurnRateDto }) burnRate: BurnRateDto;
  @ApiProperty({ type: ForecastDto }) forecast: ForecastDto;
  @ApiProperty() periodStart: string;
  @ApiProperty() nextReset: string;
}

class MidForecastDto extends ForecastDto {
  @ApiProperty() recordedAt: string;
}

export class WindowHistoryDto {
  @ApiProperty({ enum: WINDOW_KINDS }) window: WindowKind;
  @ApiProperty() periodStart: string;
  @ApiProperty() periodEnd: string;
  @ApiProperty({ type: LimitsDto }) limits: LimitsDto;
  @ApiProperty() softCap: number;
  @ApiProperty({ type: AmountDto }) actual: AmountDto;
  @ApiProperty({ type: Number, nullable: true }) fractionUsed: number | null;
  @ApiProperty({ enum: ['GREEN', 'YELLOW', 'ORANGE', 'RED'] }) zone: string;
  @ApiProperty({ type: MidForecastDto, nullable: true, description: 'The forecast recorded at mid-window' })
  midForecast: MidForecastDto | null;
  @ApiProperty({ type: AmountDto, nullable: true, description: 'Projected at mid-window minus actual' }) forecastError: AmountDto | null;
  @ApiProperty({
    type: LimitsDto,
    nullable: true,
    description: 'The same error in percent of the actual (positive: the forecast ran high); a unit is null when nothing was spent in it',
  })
  forecastErrorPct: LimitsDto | null;
}

export class ReasonDto {
  @ApiProperty({ description: 'Why, for the budget audit', example: 'new month started early for the pilot' })
  @IsString()
  @Length(3, 500)
  @IsPlainText()
  reason: string;
}

export class EnforcementDto extends ReasonDto {
  @ApiProperty({ description: 'false: no window refuses, forces fast models or pauses; usage still counts' })
  @IsBoolean()
  enabled: boolean;
}

export class EnforcementView {
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, nullable: true }) since: string | null;
}

export class BudgetAuditDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['limits', 'reset', 'enforcement'] }) action: 'limits' | 'reset' | 'enforcement';
  @ApiProperty({ type: String, nullable: true, enum: WINDOW_KINDS }) window: WindowKind | null;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'What changed: limits before/after, usage before a reset, the switch before' }) detail: Record<string, unknown>;
  @ApiProperty() at: string;
}
