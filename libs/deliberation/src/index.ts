import { CreateDeliberations1763900004000 } from './persistence/create-deliberations.migration';
import { DeliberationEntity, ResponseEntity, RoundEntity } from './persistence/deliberation.entities';

export * from './deliberation.types';
export * from './deliberation.view';
export * from './deliberation.module';
export * from './deliberation.service';
export * from './resume.service';
export * from './engine/engine';
export * from './engine/engine.ports';
export { DeliberationRunner } from './runtime/deliberation-runner';
export { CheckpointPruner } from './runtime/checkpoint-pruner';
export { Clock } from './runtime/clock';
export { HISTORY_POLICIES } from './rules/digest';
export type { DeliberationEvent, DeliberationEventType } from './runtime/event-hub';
export { STATE_SCHEMA_VERSION } from './persistence/deliberation.repository';
export { upgradeState } from './persistence/state-upgrade';
export const deliberationEntities = [DeliberationEntity, RoundEntity, ResponseEntity];
export const deliberationMigrations = [CreateDeliberations1763900004000];
