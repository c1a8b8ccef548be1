import type { ModelClass } from '@app/config';
import type { ConvergenceStatus, DeliberationResult, MemoryMode, MemoryReference, ParticipantResponse, Synthesis } from './deliberation.types';
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
  /** Decision memory was used: past decisions quoted in round 1's prompt (context), or one that answered it (reuse: reusedFrom). */
  memory_used: { mode: MemoryMode; decisions: MemoryReference[]; reusedFrom?: string };
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
  /** A participant moved before its call: its adapter's circuit breaker was open. */
  participant_moved: {
    round: number;
    participantIndex: number;
    from: string;
    adapter: string;
    adapterTier: string;
    model: string;
    reason: 'adapter_unavailable';
  };
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

/**
 * The response_received data of an answer: live from the engine's response, replayed from a stored one.
 * One builder, so both carry the same fields.
 */
function received(
  round: number,
  r: Pick<ResponseView, 'participantIndex' | 'adapter' | 'model' | 'vote' | 'voteError' | 'error' | 'latencyMs' | 'costUsd'>,
  tokens: number,
  truncated: boolean,
  voteRetry: { text: string | null; errorKind: string | null; tokens: number; costUsd: number | null } | null,
): ResponseReceived {
  const { participantIndex, adapter, model, vote, voteError, error, latencyMs } = r;
  return {
    round,
    participantIndex,
    adapter,
    model,
    vote,
    voteError,
    error,
    latencyMs,
    tokens,
    costUsd: sumCost(r.costUsd, voteRetry?.costUsd),
    truncated,
    ...(voteRetry ? { voteRetry: { text: voteRetry.text, errorKind: voteRetry.errorKind, tokens: voteRetry.tokens } } : {}),
  };
}

export function responseReceived(round: number, r: ParticipantResponse): ResponseReceived {
  const retry = r.voteRetry && {
    text: r.voteRetry.text ?? null,
    errorKind: r.voteRetry.errorKind ?? null,
    tokens: r.voteRetry.usage.totalTokens,
    costUsd: r.voteRetry.costUsd,
  };
  return received(round, r, r.usage.totalTokens, r.truncated === true, retry ?? null);
}

export function responseReceivedFromView(round: number, r: ResponseView): ResponseReceived {
  return received(round, r, r.tokens.total, r.truncated, r.voteRetry);
}
