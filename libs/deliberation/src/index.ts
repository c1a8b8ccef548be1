import { AddResponseTruncatedVoteRetry1763900004001 } from './persistence/add-response-truncated-vote-retry.migration';
import { CreateDeliberations1763900004000 } from './persistence/create-deliberations.migration';
import { DeliberationEntity, ResponseEntity, RoundEntity } from './persistence/deliberation.entities';

export * from './deliberation.types';
export type { DeliberationView, ResponseView, RoundView, ResumeRecord } from './deliberation.view';
export type { PauseInfo } from './engine/engine.ports';
export * from './deliberation.module';
export * from './deliberation.service';
export * from './estimate.service';
export * from './usage-summary.service';
export * from './resume.service';
export { HISTORY_POLICIES } from './rules/digest';
export type { DeliberationEvent, DeliberationEventData, DeliberationEventType } from './deliberation-events';
export const deliberationEntities = [DeliberationEntity, RoundEntity, ResponseEntity];
export const deliberationMigrations = [CreateDeliberations1763900004000, AddResponseTruncatedVoteRetry1763900004001];
