import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  DeliberationEvent,
  DeliberationEventData,
  DeliberationEventType,
  DeliberationResult,
  MemoryUse,
  PauseInfo,
  ResponseView,
  RoundView,
  Synthesis,
  TallyEntry,
  Vote,
} from '@app/deliberation';
import type { CheckpointSummary } from '@app/checkpoint';
import { TokenFiguresDto } from '../usage/usage-view.dto';
import type { withLinks } from './deliberation-links';

/*
 * The documented shape of a deliberation as GET /v1/deliberations/:id answers it, so clients (the web page)
 * generate their types from /docs-json instead of declaring them again. These classes describe; they are
 * never instantiated. The assignments at the end hold them to the engine's own types at compile time: a
 * field renamed or retyped there fails the build here.
 */

const STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'];
const CONVERGENCE = ['converged', 'refining', 'diverging', 'impasse'];
const OUTCOMES = ['unanimous', 'majority', 'plurality', 'tie', 'no_votes'];
const STOP_REASONS = ['converged', 'model_consensus', 'budget_consensus', 'max_rounds', 'impasse', 'budget', 'cancelled', 'error', 'reused'];
export const MEMORY_MODE_VALUES = ['off', 'context', 'reuse'];

export class VoteDto {
  @ApiProperty() option: string;
  @ApiProperty() confidence: number;
  @ApiProperty() rationale: string;
  @ApiProperty() continueDebate: boolean;
  @ApiPropertyOptional({ description: 'The ballot entry the vote named' }) ballotLabel?: string;
  @ApiPropertyOptional({ description: 'What was written when a label resolved to the wording' }) writtenOption?: string;
}

class CallErrorDto {
  @ApiProperty() kind: string;
  @ApiProperty() message: string;
}

class ResponseTokensDto {
  @ApiProperty() input: number;
  @ApiProperty() output: number;
  @ApiProperty() reasoning: number;
  @ApiProperty() cachedInput: number;
  @ApiProperty() total: number;
  @ApiProperty({ enum: ['exact', 'estimated', 'unavailable'] }) accuracy: string;
}

export class ResponseViewDto {
  @ApiProperty() participantIndex: number;
  @ApiProperty() adapter: string;
  @ApiProperty() model: string;
  @ApiProperty({ enum: ['fast', 'reasoning'] }) tier: string;
  @ApiProperty() text: string;
  @ApiProperty({ type: VoteDto, nullable: true }) vote: VoteDto | null;
  @ApiProperty({ type: String, nullable: true, enum: ['invalid_json', 'validation_error', 'no_vote_marker', 'response_too_short'] })
  voteError: string | null;
  @ApiProperty({ type: CallErrorDto, nullable: true }) error: CallErrorDto | null;
  @ApiProperty() latencyMs: number;
  @ApiProperty({ type: ResponseTokensDto }) tokens: ResponseTokensDto;
  @ApiProperty({ type: Number, nullable: true }) costUsd: number | null;
  @ApiProperty() truncated: boolean;
}

class ParticipantSimilarityDto {
  @ApiProperty() participantIndex: number;
  @ApiProperty() similarity: number;
}

class ConvergenceViewDto {
  @ApiProperty() score: number;
  @ApiProperty({ enum: CONVERGENCE }) status: string;
  @ApiProperty({ type: ParticipantSimilarityDto, isArray: true }) perParticipant: ParticipantSimilarityDto[];
}

export class TierDecisionDto {
  @ApiProperty() participantIndex: number;
  @ApiProperty({ enum: ['fast', 'reasoning'] }) tier: string;
  @ApiProperty() adapter: string;
  @ApiProperty({ enum: ['T0', 'T1', 'T2', 'T3'] }) adapterTier: string;
  @ApiProperty() model: string;
  @ApiProperty() reason: string;
  @ApiPropertyOptional() escalated?: boolean;
}

export class RoundViewDto {
  @ApiProperty() number: number;
  @ApiProperty() startedAt: string;
  @ApiProperty({ type: String, nullable: true }) completedAt: string | null;
  @ApiProperty({ type: ResponseViewDto, isArray: true }) responses: ResponseViewDto[];
  @ApiProperty({ type: ConvergenceViewDto, nullable: true }) convergence: ConvergenceViewDto | null;
  @ApiProperty({ type: TierDecisionDto, isArray: true }) decisions: TierDecisionDto[];
}

class VariantDto {
  @ApiProperty() option: string;
  @ApiProperty({ type: Number, isArray: true }) participants: number[];
}

export class TallyEntryDto {
  @ApiProperty() option: string;
  @ApiProperty() votes: number;
  @ApiProperty() averageConfidence: number;
  @ApiProperty({ type: Number, isArray: true }) participants: number[];
  @ApiProperty({ type: VariantDto, isArray: true, description: 'The exact wordings merged into this entry' }) variants: VariantDto[];
}

class RoundScoreDto {
  @ApiProperty() round: number;
  @ApiProperty({ type: Number, nullable: true }) score: number | null;
  @ApiProperty({ type: String, nullable: true, enum: CONVERGENCE }) status: string | null;
}

class SynthesisDto {
  @ApiProperty() text: string;
  @ApiProperty() recommendation: string;
  @ApiProperty({ type: String, isArray: true }) agreements: string[];
  @ApiProperty({ type: String, isArray: true }) disagreements: string[];
  @ApiProperty({ type: String, isArray: true }) dissent: string[];
  @ApiProperty() chairAdapter: string;
  @ApiProperty() chairModel: string;
}

export class DeliberationResultDto {
  @ApiProperty({ enum: OUTCOMES }) outcome: string;
  @ApiProperty({ type: String, nullable: true }) winningOption: string | null;
  @ApiProperty({ type: TallyEntryDto, isArray: true }) tally: TallyEntryDto[];
  @ApiProperty({ type: Number, isArray: true }) abstained: number[];
  @ApiProperty({ enum: STOP_REASONS }) stopReason: string;
  @ApiProperty() roundsUsed: number;
  @ApiProperty() durationMs: number;
  @ApiProperty() summary: string;
  @ApiProperty() degraded: boolean;
  @ApiProperty({ type: RoundScoreDto, isArray: true }) roundScores: RoundScoreDto[];
  @ApiPropertyOptional({ type: TokenFiguresDto }) tokens?: TokenFiguresDto;
  @ApiPropertyOptional({ type: SynthesisDto, nullable: true }) synthesis?: SynthesisDto | null;
  @ApiPropertyOptional() synthesisError?: string;
  @ApiPropertyOptional({ enum: ['engine', 'chair'] }) outcomeBy?: string;
  @ApiPropertyOptional({ description: 'Answered from decision memory (stopReason "reused"): the decision, and deliberation, reused; no model was called' })
  reusedFrom?: string;
}

export class MemoryReferenceDto {
  @ApiProperty({ description: 'The past decision (and its deliberation)' }) id: string;
  @ApiProperty() question: string;
  @ApiProperty({ type: String, nullable: true, description: 'Its winning option' }) decision: string | null;
  @ApiProperty({ enum: OUTCOMES }) outcome: string;
  @ApiProperty({ type: Number, nullable: true }) confidence: number | null;
  @ApiProperty() decidedAt: string;
  @ApiProperty({ description: 'Cosine of question + context: TF-IDF, or embeddings (see similarityBy)' }) similarity: number;
  @ApiProperty({ enum: ['tfidf', 'embeddings'] }) similarityBy: string;
}

class MemoryUseDto {
  @ApiProperty({ enum: MEMORY_MODE_VALUES }) mode: string;
  @ApiProperty({ type: MemoryReferenceDto, isArray: true, description: "Quoted in round 1's prompt (context), or the one reused" })
  decisions: MemoryReferenceDto[];
  @ApiPropertyOptional() reusedFrom?: string;
}

class PauseDto {
  @ApiProperty({ enum: ['budget', 'budget_floor', 'person', 'unpriced_model'] }) reason: string;
  @ApiProperty({ description: 'Which limit stopped it: "deliberation.tokens", "daily.usd", "person", ...' }) limit: string;
  @ApiProperty() used: number;
  @ApiProperty() nextRoundEstimateTokens: number;
  @ApiPropertyOptional() detail?: string;
}

class ParticipantViewDto {
  @ApiProperty() index: number;
  @ApiProperty() adapter: string;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty() tier: string;
  @ApiProperty({ enum: ['for', 'against', 'neutral'] }) stance: string;
  @ApiProperty({ type: String, nullable: true }) role: string | null;
}

class LinksDto {
  @ApiProperty() self: string;
  @ApiProperty() events: string;
  @ApiProperty() transcript: string;
  @ApiProperty() tokens: string;
  @ApiProperty() checkpoints: string;
}

export class DeliberationViewDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty() question: string;
  @ApiProperty({ type: String, nullable: true }) context: string | null;
  @ApiProperty() mode: string;
  @ApiProperty() maxRounds: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: ParticipantViewDto, isArray: true }) participants: ParticipantViewDto[];
  @ApiProperty({ type: RoundViewDto, isArray: true }) rounds: RoundViewDto[];
  @ApiProperty({ type: DeliberationResultDto, nullable: true }) result: DeliberationResultDto | null;
  @ApiProperty({ type: PauseDto, nullable: true }) pause: PauseDto | null;
  @ApiProperty({ type: String, nullable: true }) failure: string | null;
  @ApiProperty({ type: String, nullable: true }) latestCheckpointId: string | null;
  @ApiProperty({ type: String, nullable: true }) parentId: string | null;
  @ApiProperty({ type: String, nullable: true }) forkedFromCheckpointId: string | null;
  @ApiProperty({ type: MemoryUseDto, nullable: true, description: 'Decision memory as this deliberation used it' }) memory: MemoryUseDto | null;
  @ApiProperty({ type: LinksDto }) links: LinksDto;
}

export class DeliberationPageDto {
  @ApiProperty({ type: DeliberationViewDto, isArray: true }) items: DeliberationViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

class LimitFractionDto {
  @ApiProperty() limit: string;
  @ApiProperty() fraction: number;
}

class WindowBurnDto {
  @ApiProperty() tokensPerHour: number;
  @ApiProperty() usdPerHour: number;
}

class WindowOutlookDto {
  @ApiProperty({ type: Number, nullable: true }) hoursToExhaustion: number | null;
  @ApiProperty({ type: String, nullable: true }) exhaustionAt: string | null;
  @ApiProperty() projectedTokens: number;
  @ApiProperty() projectedUsd: number;
  @ApiProperty({ type: Number, nullable: true }) projectedFraction: number | null;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) confidence: string;
  @ApiProperty() recommendation: string;
}

class GovernanceWindowDto {
  @ApiProperty({ enum: ['daily', 'weekly', 'monthly'] }) window: string;
  @ApiProperty({ enum: ['GREEN', 'YELLOW', 'ORANGE', 'RED'] }) zone: string;
  @ApiProperty({ type: Number, nullable: true }) fractionUsed: number | null;
  @ApiProperty({ type: WindowBurnDto }) burnRate: WindowBurnDto;
  @ApiProperty({ type: WindowOutlookDto }) forecast: WindowOutlookDto;
}

class NextRoundPlanDto {
  @ApiProperty() round: number;
  @ApiProperty({ type: TierDecisionDto, isArray: true, nullable: true, description: 'What the tier policy would choose (not audited)' })
  decisions: TierDecisionDto[] | null;
  @ApiProperty({ type: PauseDto, nullable: true, description: 'Why the round would not run' }) pause: PauseDto | null;
}

export class GovernanceSnapshotDto {
  @ApiProperty({ enum: ['GREEN', 'YELLOW', 'ORANGE', 'RED'], description: 'The zone of the most used limit' }) zone: string;
  @ApiProperty({ description: 'Whether the windows are enforced (PUT /v1/budgets/enforcement)' }) enforcement: boolean;
  @ApiProperty() forceFast: boolean;
  @ApiProperty({ description: 'Only local adapters may run (money spent)' }) localOnly: boolean;
  @ApiProperty({ type: LimitFractionDto, isArray: true }) warnings: LimitFractionDto[];
  @ApiProperty({ type: PauseDto, nullable: true, description: 'Set when the limits alone would pause the next round' }) pause: PauseDto | null;
  @ApiProperty({ type: GovernanceWindowDto, isArray: true }) windows: GovernanceWindowDto[];
  @ApiProperty({ type: NextRoundPlanDto, nullable: true, description: 'null after the last round' }) nextRound: NextRoundPlanDto | null;
}

export class CheckpointSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() deliberationId: string;
  @ApiProperty() round: number;
  @ApiProperty({ description: 'round | pause | person | shutdown | recovery | failure' }) reason: string;
  @ApiProperty() schemaVersion: number;
  @ApiProperty() sizeBytes: number;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({
    type: GovernanceSnapshotDto,
    nullable: true,
    description: 'The budget as it stood at the checkpoint: zone, burn, forecast, and the tier plan for the next round (GET /v1/checkpoints/:id)',
  })
  governance?: GovernanceSnapshotDto | null;
}

class EventParticipantDto {
  @ApiProperty() participantIndex: number;
  @ApiProperty() adapter: string;
  @ApiProperty() model: string;
  @ApiProperty({ enum: ['fast', 'reasoning'] }) tier: string;
}

class EventConvergenceDto {
  @ApiProperty() score: number;
  @ApiProperty({ enum: CONVERGENCE }) status: string;
  @ApiPropertyOptional({ type: ParticipantSimilarityDto, isArray: true }) perParticipant?: ParticipantSimilarityDto[];
}

/** The fields of each event type's data, all optional here: which ones are set depends on `type`. */
class DeliberationEventDataDto {
  @ApiPropertyOptional({ description: 'round_started, response_received, round_completed, budget_warning, tier_escalated, participant_moved' }) round?: number;
  @ApiPropertyOptional({
    type: EventParticipantDto,
    isArray: true,
    description: "round_started: who is asked, on which model (deliberation_started: the request's participants)",
  })
  participants?: EventParticipantDto[];
  @ApiPropertyOptional({ description: 'response_received, tier_escalated, participant_moved' }) participantIndex?: number;
  @ApiPropertyOptional({ description: 'participant_moved: the adapter moved off (its circuit breaker is open)' }) from?: string;
  @ApiPropertyOptional({ type: VoteDto, nullable: true, description: 'response_received' }) vote?: VoteDto | null;
  @ApiPropertyOptional({ type: CallErrorDto, nullable: true, description: 'response_received (synthesis: a string, why there is none)' })
  error?: CallErrorDto | null;
  @ApiPropertyOptional({ description: "response_received: the answer's tokens" }) tokens?: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: "response_received: its cost with its vote retry's" }) costUsd?: number | null;
  @ApiPropertyOptional({ type: EventConvergenceDto, nullable: true, description: 'round_completed' }) convergence?: EventConvergenceDto | null;
  @ApiPropertyOptional({ description: 'round_completed: the budget zone after the round' }) budgetZone?: string;
  @ApiPropertyOptional({ type: PauseDto, nullable: true, description: 'paused' }) pause?: PauseDto | null;
  @ApiPropertyOptional({ description: 'budget_warning: which limit' }) limit?: string;
  @ApiPropertyOptional({ description: 'budget_warning: the fraction used' }) fraction?: number;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'tier_escalated: why; participant_moved: adapter_unavailable; failed: the failure' })
  reason?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'paused, interrupted, failed: the checkpoint to resume from' }) latestCheckpointId?:
    string | null;
  @ApiPropertyOptional({ type: () => DeliberationResultDto, nullable: true, description: 'completed, failed, cancelled' })
  result?: DeliberationResultDto | null;
  @ApiPropertyOptional({ description: 'set on events told again from stored state' }) replayed?: boolean;
  @ApiPropertyOptional({ enum: MEMORY_MODE_VALUES, description: 'memory_used: the memory mode (deliberation_started: the deliberation mode)' }) mode?: string;
  @ApiPropertyOptional({ type: MemoryReferenceDto, isArray: true, description: 'memory_used: the past decisions used' }) decisions?: MemoryReferenceDto[];
  @ApiPropertyOptional({ description: 'memory_used: the decision that answered it (reuse)' }) reusedFrom?: string;
}

export class DeliberationEventDto {
  @ApiProperty() seq: number;
  @ApiProperty({
    enum: [
      'deliberation_started',
      'memory_used',
      'round_started',
      'response_received',
      'round_completed',
      'budget_warning',
      'synthesis',
      'tier_escalated',
      'participant_moved',
      'paused',
      'interrupted',
      'completed',
      'failed',
      'cancelled',
    ],
  })
  type: string;
  @ApiProperty() deliberationId: string;
  @ApiProperty() at: string;
  @ApiProperty({ type: DeliberationEventDataDto }) data: DeliberationEventDataDto;
}

// Compile-time conformance: each engine type must be assignable to its documented shape (a documented
// field that the engine renames, drops or retypes fails the build here).
type Conforms<Engine, Documented> = [Engine] extends [Documented] ? true : never;
// synthesis (its error is a string) and deliberation_started (the request's participants) are described in words only.
type EventData = DeliberationEventData[Exclude<DeliberationEventType, 'synthesis' | 'deliberation_started'>];
export const DOCUMENTED_SHAPES_CONFORM: [
  Conforms<Vote, VoteDto>,
  Conforms<ResponseView, ResponseViewDto>,
  Conforms<RoundView, RoundViewDto>,
  Conforms<TallyEntry, TallyEntryDto>,
  Conforms<Synthesis, SynthesisDto>,
  Conforms<DeliberationResult, DeliberationResultDto>,
  Conforms<PauseInfo, PauseDto>,
  Conforms<CheckpointSummary, CheckpointSummaryDto>,
  Conforms<MemoryUse, MemoryUseDto>,
  Conforms<ReturnType<typeof withLinks>, DeliberationViewDto>,
  Conforms<DeliberationEvent['type'], DeliberationEventDto['type']>,
  Conforms<EventData, DeliberationEventDataDto>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];
