import type { DeliberationEvent, DeliberationView } from '@app/deliberation';

/**
 * What an MCP client is told while `deliberate` waits: round k of n, the votes so far, tokens and cost.
 * Pure: folded from the deliberation's events (the same ones GET /v1/deliberations/:id/events streams).
 */
export interface ProgressState {
  status: string;
  maxRounds: number;
  participants: number;
  roundsCompleted: number;
  /** The round under way (0 before the first starts). */
  round: number;
  answersThisRound: number;
  /** Each participant's latest vote (its position so far); null for an answer without a vote. */
  positions: Map<number, string | null>;
  tokens: number;
  costUsd: number | null;
  ended: boolean;
}

export function initialProgress(view: Pick<DeliberationView, 'status' | 'maxRounds' | 'participants'>): ProgressState {
  return {
    status: view.status,
    maxRounds: view.maxRounds,
    participants: view.participants.length,
    roundsCompleted: 0,
    round: 0,
    answersThisRound: 0,
    positions: new Map(),
    tokens: 0,
    costUsd: null,
    ended: false,
  };
}

export function applyEvent(state: ProgressState, event: DeliberationEvent): ProgressState {
  switch (event.type) {
    case 'round_started':
      return { ...state, status: 'running', round: event.data.round, answersThisRound: 0 };
    case 'response_received': {
      const positions = new Map(state.positions);
      if (!event.data.error) positions.set(event.data.participantIndex, event.data.vote?.option ?? null);
      return {
        ...state,
        status: 'running',
        round: event.data.round,
        answersThisRound: event.data.round === state.round ? state.answersThisRound + 1 : 1,
        positions,
        tokens: state.tokens + event.data.tokens,
      };
    }
    case 'round_completed':
      return { ...state, roundsCompleted: Math.max(state.roundsCompleted, event.data.round), round: event.data.round, answersThisRound: state.participants };
    case 'completed':
    case 'failed':
    case 'cancelled':
    case 'paused':
    case 'interrupted':
      return { ...state, status: event.type, ended: true };
    case 'deliberation_started':
    case 'memory_used':
    case 'budget_warning':
    case 'synthesis':
    case 'tier_escalated':
    case 'participant_moved':
      return state;
  }
}

/** "Webhooks 2, Polling 1" (most votes first, then by name); "none yet" before any vote. */
export function votesSoFar(positions: ReadonlyMap<number, string | null>): string {
  const counts = new Map<string, number>();
  for (const option of positions.values()) if (option !== null) counts.set(option, (counts.get(option) ?? 0) + 1);
  if (counts.size === 0) return 'none yet';
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([option, n]) => `${option.length > 60 ? `${option.slice(0, 57)}...` : option} ${n}`)
    .join(', ');
}

/**
 * An MCP progress notification's fields: `progress` grows with every answer (rounds completed plus the
 * share of this round's answers), out of `total` = maxRounds; a deliberation that converges early ends
 * below its total.
 */
export function progressNotice(state: ProgressState): { progress: number; total: number; message: string } {
  const inRound = state.round > state.roundsCompleted && state.participants > 0 ? Math.min(state.answersThisRound / state.participants, 0.99) : 0;
  const progress = Math.round((state.roundsCompleted + inRound) * 100) / 100;
  const cost = state.costUsd === null ? 'cost unknown' : `$${state.costUsd.toFixed(4)}`;
  const where = state.ended
    ? `${state.status} after ${state.roundsCompleted} of ${state.maxRounds} rounds`
    : state.round === 0
      ? `${state.status}, round 1 of ${state.maxRounds} not started`
      : `round ${state.round} of ${state.maxRounds}: ${Math.min(state.answersThisRound, state.participants)} of ${state.participants} answers`;
  return {
    progress,
    total: state.maxRounds,
    message: `${where}; votes so far: ${votesSoFar(state.positions)}; ${state.tokens.toLocaleString('en-US')} tokens, ${cost}`,
  };
}
