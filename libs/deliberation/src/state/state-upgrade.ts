import { DomainError } from '@app/config';
import type { EngineState } from '../state/engine-state';
import { emptyRuntime, STATE_SCHEMA_VERSION } from './engine-state';

/**
 * Loads a checkpointed state written by any released version. Each step lifts one version to the next,
 * so a checkpoint taken before an upgrade still resumes after it.
 * Version 1 is the first. Version 2 leaves answer texts out (they live in deliberation_responses;
 * `StateStore.fromCheckpoint` reads them back); a version 1 state still has them, so it
 * needs no lifting. Version 3 leaves the completed rounds out too (they live in deliberation_rounds and
 * deliberation_responses, unchanged once completed; `StateStore.fromCheckpoint` reads them back up to the
 * checkpoint's `roundCount`), so a checkpoint costs the same at round 10 as at round 1. When EngineState changes shape, add `if (version === 2) { state = v2ToV3(state); version = 3 }`.
 * Optional fields added since without a version step (older checkpoints simply lack them):
 * - `ballot`: absent in checkpoints from before the ballot; the engine replays the rounds' votes into
 *   one when it runs, so a resumed deliberation shows the ballot its rounds imply.
 */
export function upgradeState(version: number, stored: unknown): EngineState {
  if (!Number.isInteger(version) || version < 1 || version > STATE_SCHEMA_VERSION) {
    throw new DomainError(
      'rule_violated',
      'CHECKPOINT_VERSION_UNSUPPORTED',
      `checkpoint schema version ${version} cannot be loaded by this release (supports 1..${STATE_SCHEMA_VERSION})`,
    );
  }
  const state = stored as Partial<EngineState>;
  if (!state || typeof state !== 'object' || !state.request || !Array.isArray(state.rounds)) {
    throw new DomainError('rule_violated', 'CHECKPOINT_CORRUPT', 'the checkpoint does not hold a deliberation state');
  }
  return {
    id: String(state.id),
    request: state.request,
    rounds: state.rounds,
    partial: state.partial ?? [],
    runtime: { ...emptyRuntime(), ...state.runtime },
    ...(state.ballot ? { ballot: state.ballot } : {}),
    ...(state.modelDigests ? { modelDigests: state.modelDigests } : {}),
  };
}
