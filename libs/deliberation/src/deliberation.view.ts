import type { ConvergenceStatus, DeliberationResult, DeliberationStatus, MemoryUse, ParticipantResponse, TierDecisionRecord } from './deliberation.types';
import type { PauseInfo } from './engine/engine.ports';
import type { DeliberationEntity, ResponseEntity, ResumeEntry as ResumeRecord, RoundEntity } from './persistence/deliberation.entities';

/** The documented response shape of a deliberation (fields may be added, never renamed). */
export interface ResponseView {
  participantIndex: number;
  adapter: string;
  model: string;
  tier: string;
  text: string;
  vote: ParticipantResponse['vote'];
  voteError: ParticipantResponse['voteError'];
  error: ParticipantResponse['error'];
  latencyMs: number;
  tokens: { input: number; output: number; reasoning: number; cachedInput: number; total: number; accuracy: string };
  costUsd: number | null;
  /** The provider cut the answer off at the output limit. */
  truncated: boolean;
  /** The vote-only retry, when one was made: the model's reply to it (null when the retry failed) and its own tokens. */
  voteRetry: { text: string | null; errorKind: string | null; tokens: number; costUsd: number | null } | null;
}

export interface RoundView {
  number: number;
  startedAt: string;
  completedAt: string | null;
  responses: ResponseView[];
  /** perParticipant: each participant's similarity with its own previous answer. */
  convergence: { score: number; status: ConvergenceStatus; perParticipant: Array<{ participantIndex: number; similarity: number }> } | null;
  decisions: TierDecisionRecord[];
}

export type { ResumeRecord };

export interface DeliberationView {
  id: string;
  status: DeliberationStatus;
  question: string;
  context: string | null;
  mode: string;
  maxRounds: number;
  createdAt: string;
  updatedAt: string;
  participants: Array<{ index: number; adapter: string; model: string | null; tier: string; stance: string; role: string | null }>;
  rounds: RoundView[];
  result: DeliberationResult | null;
  pause: PauseInfo | null;
  /** The deliberation's own limits: the request's, or the configured default budget; null without one. */
  budget: { maxTokens?: number; maxCostUsd?: number } | null;
  failure: string | null;
  latestCheckpointId: string | null;
  parentId: string | null;
  forkedFromCheckpointId: string | null;
  resumes: ResumeRecord[];
  /** Decision memory as this deliberation used it: the mode, the past decisions quoted in round 1 (or the one reused). Null on older ones. */
  memory: MemoryUse | null;
}

export function responseView(row: ResponseEntity): ResponseView {
  const usage = row.usage;
  return {
    participantIndex: row.participantIndex,
    adapter: row.adapter,
    model: row.model,
    tier: row.tier,
    text: row.text,
    vote: row.vote ?? null,
    voteError: (row.voteError as ResponseView['voteError']) ?? null,
    error: row.error ?? null,
    latencyMs: row.latencyMs,
    tokens: {
      input: usage.inputTokens,
      output: usage.outputTokens,
      reasoning: usage.reasoningTokens,
      cachedInput: usage.cachedInputTokens,
      total: usage.totalTokens,
      accuracy: usage.accuracy,
    },
    costUsd: row.costUsd,
    // SQLite hands booleans back as 0/1.
    truncated: row.truncated === true || (row.truncated as unknown) === 1,
    voteRetry: row.voteRetry
      ? { text: row.voteRetry.text, errorKind: row.voteRetry.errorKind, tokens: row.voteRetry.usage.totalTokens, costUsd: row.voteRetry.costUsd }
      : null,
  };
}

/** A deliberation as the API shows it, from its rows alone (pure: no database, no HTTP). */
export function toDeliberationView(row: DeliberationEntity, rounds: RoundEntity[], responses: ResponseEntity[]): DeliberationView {
  const request = row.request;
  const roundViews: RoundView[] = rounds.map((r) => ({
    number: r.number,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
    responses: responses.filter((x) => x.round === r.number).map(responseView),
    convergence: r.convergence ? { score: r.convergence.score, status: r.convergence.status, perParticipant: r.convergence.perParticipant ?? [] } : null,
    decisions: r.decisions ?? [],
  }));
  // The adapter and model a participant last ran on (a tier choice or a fallback may have moved it).
  const lastDecision = (index: number) => {
    for (let i = roundViews.length - 1; i >= 0; i--) {
      const d = roundViews[i].decisions.find((x) => x.participantIndex === index);
      if (d) return d;
    }
    return undefined;
  };
  return {
    id: row.id,
    status: row.status as DeliberationStatus,
    question: row.question,
    context: request.context ?? null,
    mode: row.mode,
    maxRounds: row.maxRounds,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    participants: request.participants.map((p) => {
      const d = lastDecision(p.index);
      return { index: p.index, adapter: d?.adapter ?? p.adapter, model: d?.model ?? p.model ?? null, tier: p.tier, stance: p.stance, role: p.role ?? null };
    }),
    rounds: roundViews,
    result: row.result ?? null,
    pause: row.pause ?? null,
    budget: request.budget ?? null,
    failure: row.failure,
    latestCheckpointId: row.latestCheckpointId,
    parentId: row.parentId,
    forkedFromCheckpointId: row.forkedFromCheckpointId,
    resumes: row.resumes ?? [],
    memory: request.memory ?? null,
  };
}
