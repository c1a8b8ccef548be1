import type { AdapterTier, ModelClass } from '@app/config';

import type { TokenFigures, TokenUsage } from '@app/tokens';

/** The deliberation's domain model. It is plain data: stored, checkpointed and sent as JSON. */

export type DeliberationStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
/** Which earlier answers a participant re-reads each round: see rules/digest.ts. */
export type HistoryPolicy = 'full' | 'latest' | 'digest';
export type Stance = 'for' | 'against' | 'neutral';
export type Mode = 'quick' | 'conference';
/** `reused`: answered from decision memory, with no model call (see memory/). */
export type StopReason = 'converged' | 'model_consensus' | 'budget_consensus' | 'max_rounds' | 'impasse' | 'budget' | 'cancelled' | 'error' | 'reused';
/** What a deliberation does with past decisions: nothing, quote the closest in round 1's prompt, or answer from one. */
export type MemoryMode = 'off' | 'context' | 'reuse';
export const MEMORY_MODES: readonly MemoryMode[] = ['off', 'context', 'reuse'];

/** A past decision as a new deliberation used it (quoted in round 1's prompt, or reused). */
export interface MemoryReference {
  id: string;
  question: string;
  /** The winning option; null when the past deliberation had none (a tie, no votes). */
  decision: string | null;
  outcome: Outcome;
  confidence: number | null;
  decidedAt: string;
  similarity: number;
  /** How `similarity` was measured: TF-IDF cosine, or the embeddings' cosine (memory.embeddings). */
  similarityBy: 'tfidf' | 'embeddings';
}

/** How the request used decision memory, fixed when it was accepted (so a resume quotes the same decisions). */
export interface MemoryUse {
  mode: MemoryMode;
  /** The decisions quoted in round 1's prompt (context), or the one reused. */
  decisions: MemoryReference[];
  /** The decision that answered it (reuse). */
  reusedFrom?: string;
}
export type ConvergenceStatus = 'converged' | 'refining' | 'diverging' | 'impasse';
export type Outcome = 'unanimous' | 'majority' | 'plurality' | 'tie' | 'no_votes';
export type VoteError = 'invalid_json' | 'validation_error' | 'no_vote_marker' | 'response_too_short';

export interface ParticipantSpec {
  index: number;
  adapter: string;
  /** An explicit model from the request; kept unless the budget forbids it. */
  model?: string;
  tier: ModelClass | 'auto';
  stance: Stance;
  role?: string;
  force?: boolean;
  overrideReason?: string;
  /** How hard the requester says the question is for this participant, 1–5 (4 and 5 ask for reasoning models). */
  complexity?: number;
}

export interface DeliberationRequest {
  question: string;
  context?: string;
  participants: ParticipantSpec[];
  mode: Mode;
  maxRounds: number;
  critical?: boolean;
  /** The question's complexity, 1–5, for every participant that gives none of its own. */
  complexity?: number;
  budget?: { maxTokens?: number; maxCostUsd?: number };
  convergence?: { threshold?: number };
  /** The history policy, fixed at creation (the request's, or the configured default). */
  history?: HistoryPolicy;
  /** Who writes the synthesis after the last round (the request's, or the configured chair), its model resolved at creation. */
  chair?: ChairSpec;
  /** Decision memory as used by this deliberation; absent on requests from before it existed. */
  memory?: MemoryUse;
}

export interface ChairSpec {
  adapter: string;
  model: string;
  tier: ModelClass;
}

/** The chair's synthesis: advice beside the engine's tally, which stays the record. */
export interface Synthesis {
  text: string;
  recommendation: string;
  agreements: string[];
  disagreements: string[];
  dissent: string[];
  chairAdapter: string;
  chairModel: string;
  /** The chair's reading of the final votes as canonical decisions (option as voted → decision), when it gave one. */
  mapping?: Record<string, string>;
  /** The tally of the final votes under that mapping, when it changed the outcome or the winner. */
  mappedOutcome?: { outcome: Outcome; winningOption: string | null; tally: TallyEntry[] };
}

export interface Vote {
  option: string;
  confidence: number;
  rationale: string;
  continueDebate: boolean;
  /** The ballot entry the vote named (by label or exact wording); absent for a new option. */
  ballotLabel?: string;
  /** What the participant wrote, when it was a label ("B") that resolved to the entry's wording. */
  writtenOption?: string;
}

export interface ParsedVote {
  vote: Vote | null;
  error: VoteError | null;
}

export interface ParticipantResponse {
  participantIndex: number;
  adapter: string;
  model: string;
  tier: ModelClass;
  text: string;
  vote: Vote | null;
  voteError: VoteError | null;
  error: { kind: string; message: string } | null;
  latencyMs: number;
  usage: TokenUsage;
  costUsd: number | null;
  /**
   * The vote-only retry's call, when one was made (its own ledger row; counted in the spend). `text` is
   * what the model replied to it, kept so the stored vote can be traced to words the model wrote.
   */
  voteRetry?: { usage: TokenUsage; costUsd: number | null; latencyMs?: number; text?: string; errorKind?: string };
  /** The provider cut the answer off at the output limit. */
  truncated?: boolean;
  /** The call's idempotency key (rules/call-key.ts); the answer is recorded once under it. */
  callKey?: string;
}

export interface ConvergenceAssessment {
  score: number;
  status: ConvergenceStatus;
  /** Each participant's similarity with its own previous answer. */
  perParticipant: Array<{ participantIndex: number; similarity: number }>;
}

export interface TallyEntry {
  option: string;
  votes: number;
  averageConfidence: number;
  participants: number[];
  /** The exact wordings merged into this entry (most voted first), so a person can check every merge. */
  variants: Array<{ option: string; participants: number[] }>;
}

/** A ballot entry as the result shows it (see rules/ballot.ts). */
export interface BallotEntryView {
  label: string;
  option: string;
  round: number;
  variants: Array<{ option: string; votes: number }>;
}

/** Tokens and cost of a decision, and what the economy rules saved (see rules/economy.ts). */
export interface DeliberationEconomy {
  perDecision: { tokens: number; costUsd: number | null };
  /** Each round after the first: what it added. */
  marginalRounds: Array<{ round: number; tokens: number; costUsd: number | null }>;
  historySavings: { policy: HistoryPolicy; inputTokensUnderFull: number; inputTokensAsSent: number; savedInputTokens: number };
  earlyStopSavings: { roundsSaved: number; tokens: number; costUsd: number | null };
  /** Answered from memory: the reused decision's tokens and cost, not spent again. */
  tokensSaved?: number;
  costSavedUsd?: number | null;
}

export interface DeliberationResult {
  outcome: Outcome;
  winningOption: string | null;
  tally: TallyEntry[];
  abstained: number[];
  stopReason: StopReason;
  roundsUsed: number;
  durationMs: number;
  summary: string;
  degraded: boolean;
  failures: Array<{ round: number; participantIndex: number; kind: string }>;
  roundScores: Array<{ round: number; score: number | null; status: ConvergenceStatus | null }>;
  /** Each round's own tally (the outcome above is decided by the final positions across rounds). */
  roundTallies: Array<{ round: number; outcome: Outcome; winningOption: string | null; tally: TallyEntry[]; abstained: number[] }>;
  /** The ballot offered from round 2 on (absent when `deliberation.ballot` is off or before it existed). */
  ballot?: BallotEntryView[];
  /** What the deliberation cost: the totals of GET /v1/deliberations/:id/tokens when the run ended. */
  tokens?: TokenFigures;
  /** Absent on results stored before it existed. */
  economy?: DeliberationEconomy;
  /** The chair's synthesis; null when a chair was asked for and none came (see synthesisError); absent without a chair. */
  synthesis?: Synthesis | null;
  /** Why there is no synthesis: skipped for the budget, the call failed, or its answer had no CHAIR block. */
  synthesisError?: string;
  /** "chair" when the chair's mapping of the votes changes the outcome (see synthesis.mappedOutcome); the tally above stays the engine's. */
  outcomeBy?: 'engine' | 'chair';
  /** Answered from decision memory: the id of the decision (and deliberation) reused; no model was called. */
  reusedFrom?: string;
}

export interface TierDecisionRecord {
  participantIndex: number;
  tier: ModelClass;
  adapter: string;
  adapterTier: AdapterTier;
  model: string;
  reason: string;
  /** Moved one tier up after repeated failures of the same kind. */
  escalated?: boolean;
  /** Moved before the call off this adapter, whose circuit breaker was open. */
  movedFrom?: string;
}
