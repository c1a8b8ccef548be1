import type { ModelClass } from '@app/config';
import type { ConvergenceStatus, DeliberationResult, ParticipantResponse, Synthesis } from './deliberation.types';
import type { ResponseView } from './deliberation.view';
import type { PauseInfo } from './engine/engine.ports';

/** What a response_received event says of an answer: the same fields live and replayed. */
export interface ResponseReceived {
  round: number;
  participantIndex: number;
  adapter: string;
  model: string;
  vote: ParticipantResponse['vote'];
  voteError: ParticipantResponse['voteError'];
  error: ParticipantResponse['error'];
  latencyMs: number;
  tokens: number;
  /** The answer's cost with its vote-only retry's; null when neither could be priced. */
  costUsd: number | null;
  truncated: boolean;
  voteRetry?: { text: string | null; errorKind: string | null; tokens: number };
}

function sumCost(a: number | null, b: number | null | undefined): number | null {
  return a === null && (b === null || b === undefined) ? null : (a ?? 0) + (b ?? 0);
}

/** Set on events told again from stored state (a late subscriber, a resumed run), not seen live. */
interface Replayed {
  replayed?: true;
}

/** Each SSE event's data, by event type: the contract clients (CLI, MCP, the web page) read. */
export interface DeliberationEventData {
  deliberation_started: { question: string; participants: unknown[]; mode: string; maxRounds: number };
  round_started: Replayed & { round: number; participants?: Array<{ participantIndex: number; adapter: string; model: string; tier: ModelClass }> };
  response_received: Replayed & ResponseReceived;
  round_completed: Replayed & {
    round: number;
    convergence: { score: number; status: ConvergenceStatus; perParticipant?: Array<{ participantIndex: number; similarity: number }> } | null;
    checkpointId?: string;
    budgetZone?: string;
    threshold?: number;
  };
  budget_warning: { round: number; limit: string; fraction: number };
  /** The chair's synthesis after the last round, or why there is none. */
  synthesis: { synthesis: Synthesis | null; error?: string };
  tier_escalated: { round: number; participantIndex: number; adapter: string; adapterTier: string; model: string; reason: string };
  paused: { pause: PauseInfo | null; latestCheckpointId: string | null };
  interrupted: { latestCheckpointId?: string | null };
  completed: { result: DeliberationResult | null };
  failed: { reason: string | null; result: DeliberationResult | null; latestCheckpointId?: string | null };
  cancelled: { result?: DeliberationResult | null };
}

export type DeliberationEventType = keyof DeliberationEventData;

/** One SSE event: a discriminated union on `type`, so each type's data has its own shape. */
export type DeliberationEvent = {
  [K in DeliberationEventType]: { seq: number; type: K; deliberationId: string; at: string; data: DeliberationEventData[K] };
}[DeliberationEventType];

/** The response_received data of an answer as the engine holds it (live). */
export function responseReceived(round: number, r: ParticipantResponse): ResponseReceived {
  return {
    round,
    participantIndex: r.participantIndex,
    adapter: r.adapter,
    model: r.model,
    vote: r.vote,
    voteError: r.voteError,
    error: r.error,
    latencyMs: r.latencyMs,
    tokens: r.usage.totalTokens,
    costUsd: sumCost(r.costUsd, r.voteRetry?.costUsd),
    truncated: r.truncated === true,
    ...(r.voteRetry ? { voteRetry: { text: r.voteRetry.text ?? null, errorKind: r.voteRetry.errorKind ?? null, tokens: r.voteRetry.usage.totalTokens } } : {}),
  };
}

/** The same data from a stored answer (replayed). */
export function responseReceivedFromView(round: number, r: ResponseView): ResponseReceived {
  return {
    round,
    participantIndex: r.participantIndex,
    adapter: r.adapter,
    model: r.model,
    vote: r.vote,
    voteError: r.voteError,
    error: r.error,
    latencyMs: r.latencyMs,
    tokens: r.tokens.total,
    costUsd: sumCost(r.costUsd, r.voteRetry?.costUsd),
    truncated: r.truncated,
    ...(r.voteRetry ? { voteRetry: { text: r.voteRetry.text, errorKind: r.voteRetry.errorKind, tokens: r.voteRetry.tokens } } : {}),
  };
}
