import type { ConvergenceStatus, DeliberationResult, DeliberationStatus, ParticipantResponse, TierDecisionRecord } from './deliberation.types';
import type { PauseInfo } from './engine/engine.ports';
import type { ResumeEntry as ResumeRecord } from './persistence/deliberation.entities';

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
  failure: string | null;
  latestCheckpointId: string | null;
  parentId: string | null;
  forkedFromCheckpointId: string | null;
  resumes: ResumeRecord[];
  links: { self: string; events: string; transcript: string; tokens: string; checkpoints: string };
}

export function linksFor(id: string): DeliberationView['links'] {
  const self = `/v1/deliberations/${id}`;
  return { self, events: `${self}/events`, transcript: `${self}/transcript`, tokens: `${self}/tokens`, checkpoints: `${self}/checkpoints` };
}
