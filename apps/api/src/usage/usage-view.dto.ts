import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Accuracy, AdapterFigures, AdapterTotals, TokenFigures, UsageGroupBy } from '@app/tokens';
import { USAGE_GROUP_BY } from '@app/tokens';

/** The one shape of token figures. */
export class TokenFiguresDto implements TokenFigures {
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() reasoningTokens: number;
  @ApiProperty({ description: 'Part of inputTokens served from the provider cache' }) cachedInputTokens: number;
  @ApiProperty({ description: 'input + output + reasoning' }) totalTokens: number;
  @ApiProperty({ description: 'Tokens the provider reported' }) exactTokens: number;
  @ApiProperty({ description: 'Tokens counted with the tokenizer' }) estimatedTokens: number;
  @ApiProperty({ description: 'Calls with no usage (failed calls)' }) unavailableCalls: number;
  @ApiProperty() calls: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Sum of priced calls; null when no call could be priced' })
  costUsd: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated cost at -estimateErrorPct' }) costLowerUsd: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated cost at +estimateErrorPct' }) costUpperUsd: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'exactTokens / (exactTokens + estimatedTokens)' })
  costConfidence: number | null;
  @ApiProperty({ description: 'Calls whose model has no price (their cost is not in costUsd)' }) unpricedCalls: number;
}

export class UsageGroupDto extends TokenFiguresDto {
  @ApiProperty({ description: 'Adapter, model, UTC day (YYYY-MM-DD) or deliberation id' }) key: string;
}

export class UsageOverTimeDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ enum: USAGE_GROUP_BY }) groupBy: UsageGroupBy;
  @ApiProperty({ type: UsageGroupDto, isArray: true }) groups: UsageGroupDto[];
  @ApiProperty({ type: TokenFiguresDto }) totals: TokenFiguresDto;
}

class PeakMinuteDto {
  @ApiProperty() tokens: number;
  @ApiProperty({ description: 'The start of the calendar minute (UTC, ISO-8601)' }) at: string;
}

/** An adapter's figures over the requested window, from its token_usage rows. */
export class AdapterFiguresDto implements AdapterFigures {
  @ApiProperty({ description: 'Start of the window, inclusive (ISO-8601)' }) from: string;
  @ApiProperty({ description: 'End of the window, exclusive (ISO-8601)' }) to: string;
  @ApiProperty({ description: 'Calls sent to the provider in the window (vote-only retries and the chair included)' }) calls: number;
  @ApiProperty({ description: 'Calls its circuit breaker refused (never sent; not in calls)' }) refusedByBreaker: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of the calls without an error (0–1); null without calls' })
  successRate: number | null;
  @ApiProperty({ type: Number, nullable: true }) avgLatencyMs: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Nearest-rank 95th percentile' }) p95LatencyMs: number | null;
  @ApiProperty({ description: "Participants' answers (one per participant and round with a reply)" }) answers: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Share of the answers whose first reply had no vote that parsed (a vote-only retry was asked, or none was found); null without answers',
  })
  voteParseFailureRate: number | null;
  @ApiProperty({ type: PeakMinuteDto, nullable: true, description: 'The minute in which most of its tokens finished; null without tokens' })
  peakTokensPerMinute: PeakMinuteDto | null;
}

export class AdapterTotalsDto implements AdapterTotals {
  @ApiProperty() adapter: string;
  @ApiProperty() totalTokens: number;
  @ApiProperty() exactTokens: number;
  @ApiProperty() estimatedTokens: number;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() reasoningTokens: number;
  @ApiProperty() cachedInputTokens: number;
  @ApiProperty() calls: number;
  @ApiProperty() unavailableCalls: number;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ type: Number, nullable: true }) costUsd: number | null;
  @ApiProperty({ type: Number, nullable: true }) costLowerUsd: number | null;
  @ApiProperty({ type: Number, nullable: true }) costUpperUsd: number | null;
  @ApiProperty({ type: Number, nullable: true }) costConfidence: number | null;
  @ApiProperty({ description: 'Deliberations in which the adapter made a call' }) deliberations: number;
  @ApiProperty() updatedAt: string;
  @ApiProperty({
    type: AdapterFiguresDto,
    description: 'Latency, success and vote-parse rates, peak minute: over from/to (default the last 30 days); the totals above are lifetime',
  })
  figures: AdapterFiguresDto;
}

class SpreadDto {
  @ApiProperty() median: number;
  @ApiProperty() p90: number;
}

class DecisionGroupDto {
  @ApiProperty() decisions: number;
  @ApiProperty({ type: SpreadDto }) tokensPerDecision: SpreadDto;
  @ApiProperty({ type: SpreadDto, nullable: true, description: 'Null when any decision in the group had an unpriced call' })
  costUsdPerDecision: SpreadDto | null;
}

class DecisionsByModeDto extends DecisionGroupDto {
  @ApiProperty() mode: string;
}

class DecisionsByStopReasonDto extends DecisionGroupDto {
  @ApiProperty() stopReason: string;
}

class DecisionSavingsDto {
  @ApiProperty() historyInputTokens: number;
  @ApiProperty() earlyStopRounds: number;
  @ApiProperty() earlyStopTokens: number;
  @ApiProperty({ type: Number, nullable: true }) earlyStopCostUsd: number | null;
}

export class DecisionFiguresDto extends DecisionGroupDto {
  @ApiProperty({ type: DecisionsByModeDto, isArray: true }) byMode: DecisionsByModeDto[];
  @ApiProperty({ type: DecisionsByStopReasonDto, isArray: true }) byStopReason: DecisionsByStopReasonDto[];
  @ApiProperty({ type: DecisionSavingsDto }) savings: DecisionSavingsDto;
}

export class TopParticipantDto {
  @ApiProperty() adapter: string;
  @ApiProperty() model: string;
  @ApiProperty() totalTokens: number;
  @ApiProperty({ description: 'Share of all tokens in the window, 0..1' }) share: number;
}

class SavingsDto {
  @ApiProperty() tokens: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null when a model involved has no price' }) usd: number | null;
}

class SuggestionDto {
  @ApiProperty({ enum: ['dominant_participant', 'after_convergence', 'estimated_tokens', 'unpriced_models', 'adapter_errors'] }) kind: string;
  @ApiProperty() text: string;
  @ApiProperty({ type: SavingsDto, nullable: true, description: 'What acting on it would have saved over the window; null when that cannot be said' })
  savings: SavingsDto | null;
}

export class UsageSummaryDto {
  @ApiProperty({ description: 'Start of the 7-day window the summary covers' }) from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Tokens of calls that finished in the last 60 s' }) tokensPerMinuteNow: number;
  @ApiProperty({ description: 'Most tokens in one UTC calendar minute of the window' }) peakTokensPerMinute: number;
  @ApiProperty() totalTokens: number;
  @ApiProperty({ type: TopParticipantDto, isArray: true }) topParticipants: TopParticipantDto[];
  @ApiProperty({ description: 'Tokens spent after the deliberation had converged' }) tokensAfterConvergence: number;
  @ApiProperty() shareAfterConvergence: number;
  @ApiProperty({ type: String, isArray: true, description: 'Sentences with what acting on each would have saved over the window' }) suggestions: string[];
  @ApiProperty({ type: () => SuggestionDto, isArray: true, description: 'The same suggestions with their kind and savings as numbers' })
  suggestionDetails: SuggestionDto[];
  @ApiProperty({
    type: () => DecisionFiguresDto,
    description:
      'Deliberations completed in the window: tokens and cost per decision (median, p90; cost null when a call was unpriced), by mode and by stop reason, and savings { historyInputTokens, earlyStopRounds, earlyStopTokens, earlyStopCostUsd }',
  })
  decisions: DecisionFiguresDto;
}

export class DeliberationParticipantTokensDto extends TokenFiguresDto {
  @ApiProperty() participantIndex: number;
  @ApiProperty() adapter: string;
  @ApiProperty() model: string;
}

export class DeliberationRoundTokensDto extends TokenFiguresDto {
  @ApiProperty() round: number;
}

/** GET /v1/deliberations/:id/tokens (wired by the deliberations controller). */
export class DeliberationTokensDto {
  @ApiProperty() deliberationId: string;
  @ApiProperty({ type: TokenFiguresDto }) totals: TokenFiguresDto;
  @ApiProperty({ type: DeliberationParticipantTokensDto, isArray: true }) byParticipant: DeliberationParticipantTokensDto[];
  @ApiProperty({ type: DeliberationRoundTokensDto, isArray: true }) byRound: DeliberationRoundTokensDto[];
}

export class RoundCallDto {
  @ApiProperty() participantIndex: number;
  @ApiProperty() adapter: string;
  @ApiProperty() model: string;
  @ApiProperty({ enum: ['fast', 'reasoning'] }) tier: string;
  @ApiProperty({ enum: ['exact', 'estimated', 'unavailable'] }) accuracy: Accuracy;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() reasoningTokens: number;
  @ApiProperty() cachedInputTokens: number;
  @ApiProperty() totalTokens: number;
  @ApiProperty({ type: Number, nullable: true }) costUsd: number | null;
  @ApiProperty() latencyMs: number;
  @ApiPropertyOptional({ type: String, nullable: true }) errorKind: string | null;
}

/** GET /v1/deliberations/:id/rounds/:n/tokens (wired by the deliberations controller). */
export class RoundTokensDto {
  @ApiProperty() deliberationId: string;
  @ApiProperty() round: number;
  @ApiProperty({ type: TokenFiguresDto }) totals: TokenFiguresDto;
  @ApiProperty({ type: RoundCallDto, isArray: true }) calls: RoundCallDto[];
}
