import { AddResponseTruncatedVoteRetry1763900004001 } from './persistence/add-response-truncated-vote-retry.migration';
import { CreateDeliberations1763900004000 } from './persistence/create-deliberations.migration';
import { DeliberationEntity, RecordedCallEntity, ResponseEntity, RoundEntity } from './persistence/deliberation.entities';
import { CreateRecordedCalls1763900022000 } from './persistence/create-recorded-calls.migration';
import { CreateDecisions1763900019000 } from './memory/create-decisions.migration';
import { DecisionEntity, DecisionReuseEntity } from './memory/decision.entities';

export * from './deliberation.types';
export type { DeliberationView, ResponseView, RoundView, ResumeRecord } from './deliberation.view';
export type { PauseInfo } from './engine/engine.ports';
export * from './deliberation.module';
export * from './deliberation.service';
export * from './estimate.service';
export * from './usage-summary.service';
export * from './resume.service';
export { HISTORY_POLICIES } from './rules/digest';
export { START_REDIS } from './runtime/cluster-bus';
export type { DeliberationEvent, DeliberationEventData, DeliberationEventType } from './deliberation-events';
export { DecisionMemory, MAX_QUERY_CHARS } from './memory/decision-memory.service';
export type { DecisionHit, DecisionStats, DecisionView } from './memory/decision';
export { decisionTerms } from './memory/memory-vector';
export type { DecisionParticipant } from './memory/decision.entities';
export const deliberationEntities = [DeliberationEntity, RoundEntity, ResponseEntity, RecordedCallEntity, DecisionEntity, DecisionReuseEntity];
export const deliberationMigrations = [
  CreateDeliberations1763900004000,
  AddResponseTruncatedVoteRetry1763900004001,
  CreateDecisions1763900019000,
  CreateRecordedCalls1763900022000,
];
