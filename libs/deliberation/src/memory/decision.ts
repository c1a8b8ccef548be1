import type { DeliberationRequest, DeliberationResult, MemoryReference, Outcome, StopReason, Synthesis, TallyEntry } from '../deliberation.types';
import { firstSentences } from '../rules/result';
import type { RoundState } from '../state/engine-state';
import type { DecisionEntity, DecisionParticipant } from './decision.entities';
import { decisionTerms } from './memory-vector';

/** A stored decision as the API shows it (GET /v1/decisions/:id). */
export interface DecisionView {
  /** The decision's id, which is its deliberation's. */
  id: string;
  deliberationId: string;
  question: string;
  contextDigest: string | null;
  participants: DecisionParticipant[];
  outcome: Outcome;
  winningOption: string | null;
  variants: TallyEntry['variants'];
  tally: TallyEntry[];
  confidence: number | null;
  synthesis: Synthesis | null;
  stopReason: StopReason;
  rounds: number;
  tokens: number;
  costUsd: number | null;
  decidedAt: string;
  vectorKind: string;
  /** Deliberations answered from it, and the tokens they did not spend. */
  reuse: { hits: number; tokensSaved: number };
}

/** A search hit: the decision and how similar its question + context is to the query. */
export interface DecisionHit extends DecisionView {
  similarity: number;
}

export interface DecisionStats {
  count: number;
  outcomes: Partial<Record<Outcome, number>>;
  /** What the stored decisions cost when they were made. */
  tokens: number;
  costUsd: number | null;
  reuse: { hits: number; tokensSaved: number; costSavedUsd: number | null };
}

/** How long a context digest may be: the vector keeps every word, the digest only reminds a reader. */
const CONTEXT_DIGEST_CHARS = 500;

/**
 * The decision row of a completed deliberation: its request, the model each participant last ran on,
 * and its result. Pure.
 */
export function decisionRecord(
  id: string,
  request: DeliberationRequest,
  rounds: readonly RoundState[],
  result: DeliberationResult,
  now: Date,
  embedding: { model: string; vector: number[] } | null = null,
): DecisionEntity {
  const lastModel = (index: number): string | null => {
    for (let i = rounds.length - 1; i >= 0; i--) {
      const d = rounds[i].decisions.find((x) => x.participantIndex === index);
      if (d) return d.model;
    }
    return null;
  };
  const winner = result.winningOption === null ? undefined : result.tally.find((t) => t.option === result.winningOption);
  return {
    id,
    question: request.question,
    contextDigest: request.context ? firstSentences(request.context, 3, CONTEXT_DIGEST_CHARS) : null,
    participants: request.participants.map((p) => ({
      adapter: p.adapter,
      model: lastModel(p.index) ?? p.model ?? null,
      stance: p.stance,
      role: p.role ?? null,
    })),
    outcome: result.outcome,
    winningOption: result.winningOption,
    variants: winner?.variants ?? [],
    tally: result.tally,
    confidence: winner ? winner.averageConfidence : null,
    synthesis: result.synthesis ?? null,
    stopReason: result.stopReason,
    rounds: result.roundsUsed,
    tokens: result.tokens?.totalTokens ?? 0,
    costUsd: result.tokens?.costUsd ?? null,
    vector: decisionTerms(request.question, request.context),
    vectorKind: embedding ? embeddingKind(embedding.model) : 'tfidf',
    embedding: embedding?.vector ?? null,
    createdAt: now.toISOString(),
  };
}

/** The vector kind of a decision embedded by `model`: only vectors of the configured model are compared. */
export function embeddingKind(model: string): string {
  return `tfidf+embeddings:${model}`;
}

export function decisionView(row: DecisionEntity, reuse: { hits: number; tokensSaved: number } = { hits: 0, tokensSaved: 0 }): DecisionView {
  return {
    id: row.id,
    deliberationId: row.id,
    question: row.question,
    contextDigest: row.contextDigest,
    participants: row.participants,
    outcome: row.outcome,
    winningOption: row.winningOption,
    variants: row.variants,
    tally: row.tally,
    confidence: row.confidence,
    synthesis: row.synthesis,
    stopReason: row.stopReason,
    rounds: row.rounds,
    tokens: row.tokens,
    costUsd: row.costUsd,
    decidedAt: row.createdAt,
    vectorKind: row.vectorKind,
    reuse,
  };
}

export function memoryReference(
  row: Pick<DecisionEntity, 'id' | 'question' | 'winningOption' | 'outcome' | 'confidence' | 'createdAt'>,
  similarity: number,
  similarityBy: MemoryReference['similarityBy'] = 'tfidf',
): MemoryReference {
  return {
    id: row.id,
    question: row.question,
    decision: row.winningOption,
    outcome: row.outcome,
    confidence: row.confidence,
    decidedAt: row.createdAt,
    similarity,
    similarityBy,
  };
}

/**
 * May a past decision answer a new request? Young enough, and decided by at least the adapters the new
 * request names (a panel without them never weighed the question). Similarity is checked by the caller.
 */
export function reuseAllowed(
  past: Pick<DecisionEntity, 'createdAt' | 'participants'>,
  adapters: readonly string[],
  now: Date,
  maxAgeDays: number,
): { ok: true } | { ok: false; reason: 'too_old' | 'other_adapters' } {
  if (now.getTime() - Date.parse(past.createdAt) > maxAgeDays * 86_400_000) return { ok: false, reason: 'too_old' };
  const had = new Set(past.participants.map((p) => p.adapter));
  if (!adapters.every((a) => had.has(a))) return { ok: false, reason: 'other_adapters' };
  return { ok: true };
}

/**
 * The result of a deliberation answered from memory: the past decision's outcome and tally, no round,
 * no call, and in its economy the tokens and cost the past deliberation spent, saved this time.
 */
export function reusedResult(past: DecisionEntity, similarity: number, history: DeliberationRequest['history'] = 'digest'): DeliberationResult {
  const decided = past.winningOption === null ? `no winning option (${past.outcome})` : `"${past.winningOption}" (${past.outcome})`;
  return {
    outcome: past.outcome,
    winningOption: past.winningOption,
    tally: past.tally,
    abstained: [],
    stopReason: 'reused',
    roundsUsed: 0,
    durationMs: 0,
    summary: `Answered from memory: decision ${past.id} of ${past.createdAt.slice(0, 10)} (similarity ${similarity.toFixed(2)}) decided ${decided}; no model was called.`,
    degraded: false,
    failures: [],
    roundScores: [],
    roundTallies: [],
    ...(past.synthesis ? { synthesis: past.synthesis } : {}),
    economy: {
      perDecision: { tokens: 0, costUsd: 0 },
      marginalRounds: [],
      historySavings: { policy: history, inputTokensUnderFull: 0, inputTokensAsSent: 0, savedInputTokens: 0 },
      earlyStopSavings: { roundsSaved: 0, tokens: 0, costUsd: null },
      tokensSaved: past.tokens,
      costSavedUsd: past.costUsd,
    },
    reusedFrom: past.id,
  };
}
