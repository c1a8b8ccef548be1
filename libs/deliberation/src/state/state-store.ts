import { RunSuperseded } from '../engine/engine.ports';
import { Injectable } from '@nestjs/common';
import { CheckpointStore } from '@app/checkpoint';
import { DomainError } from '@app/config';
import { DataSource } from 'typeorm';
import type { ParticipantResponse } from '../deliberation.types';
import { DeliberationRepository } from '../persistence/deliberation.repository';
import { RoundRepository } from '../persistence/round.repository';
import { emptyRuntime, STATE_SCHEMA_VERSION, type EngineState, type RoundState } from './engine-state';
import { upgradeState } from './state-upgrade';

/** What loading a checkpoint's state needs of it. */
export interface CheckpointWithState {
  id: string;
  deliberationId: string;
  schemaVersion: number;
  state: unknown;
}

/**
 * The state a checkpoint stores (version 3): the completed rounds left out, and the answer texts of the
 * round in progress, since both already live in deliberation_rounds and deliberation_responses. A
 * completed round's rows never change afterwards in their deliberation (a resume continues after it; a
 * fork copies them under a new id), so loading restores exactly the rounds as of the checkpoint, and each
 * round's checkpoint costs the same however long the deliberation has run.
 */
function asStored(state: EngineState): Omit<EngineState, 'rounds'> & { rounds: []; roundCount: number } {
  const strip = (r: ParticipantResponse): ParticipantResponse => {
    const { text: _text, voteRetry, ...rest } = r;
    if (!voteRetry) return rest as ParticipantResponse;
    const { text: _retryText, ...retry } = voteRetry;
    return { ...rest, voteRetry: retry } as ParticipantResponse;
  };
  return { ...state, rounds: [], roundCount: state.rounds.length, partial: state.partial.map(strip), attempts: undefined };
}

/** Engine state in and out of checkpoints: what a run starts from, and what a round or a stop leaves behind. */
@Injectable()
export class StateStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliberations: DeliberationRepository,
    private readonly rounds: RoundRepository,
    private readonly checkpoints: CheckpointStore,
  ) {}

  /** The state to run from: the latest checkpoint (upgraded if older) plus answers stored after it. */
  async load(id: string): Promise<EngineState> {
    const row = await this.deliberations.find(id);
    if (!row) throw new DomainError('not_found', 'DELIBERATION_NOT_FOUND', `deliberation ${id} does not exist`);
    const latest = row.latestCheckpointId ? await this.checkpoints.get(row.latestCheckpointId) : null;
    const base: EngineState = latest
      ? await this.fromCheckpoint(latest)
      : { id, request: row.request, rounds: [], partial: [], runtime: row.runtime ?? emptyRuntime() };
    // The stored request wins: a resume may have replaced participants, budget or maxRounds.
    const state: EngineState = { ...base, id, request: row.request, runtime: row.runtime ?? base.runtime };
    // The attempts are read before the answers, never after: a call another worker records between the two
    // reads then shows as an answer (not asked again) or not at all (asked again under the key that worker
    // used, which its provider answers once and our ledger refuses to count twice). Read the other way round,
    // an answer recorded in between counts as an attempt but not as an answer, and is asked again under a
    // new key: billed twice.
    state.attempts = await this.rounds.attemptsIn(id, state.rounds.length + 1);
    state.partial = await this.rounds.partialResponses(id, state.rounds.length + 1);
    return state;
  }

  /** A checkpoint's state, upgraded to this release, with its rounds and answer texts (see restoreTexts). */
  async fromCheckpoint(checkpoint: CheckpointWithState): Promise<EngineState> {
    return upgradeState(checkpoint.schemaVersion, await this.restoreTexts(checkpoint));
  }

  /**
   * The stored state with the answer texts it leaves out (version 2 on) read back from its deliberation's
   * responses, up to its round; other fields (figures) kept. A completed round's answer must be there: a
   * checkpoint never silently resumes with an answer missing.
   */
  async restoreTexts(checkpoint: CheckpointWithState): Promise<unknown> {
    const state = checkpoint.state as (Partial<EngineState> & { roundCount?: number }) | null;
    if (!state || typeof state !== 'object' || !Array.isArray(state.rounds)) return state;
    if (typeof state.roundCount === 'number') {
      // Version 3: the completed rounds are read back whole from their tables.
      const { roundCount, ...rest } = state;
      const rounds = await this.rounds.completedRounds(checkpoint.deliberationId, roundCount);
      // Every participant a completed round planned has its answer (or its failure) stored.
      const whole = (r: (typeof rounds)[number]) => r.decisions.every((d) => r.responses.some((x) => x.participantIndex === d.participantIndex));
      if (rounds.length !== roundCount || rounds.some((r, i) => r.number !== i + 1 || !r.completedAt || !whole(r))) {
        throw new DomainError(
          'rule_violated',
          'CHECKPOINT_CORRUPT',
          `checkpoint ${checkpoint.id}: the deliberation's rounds 1..${roundCount} are not all stored`,
        );
      }
      Object.assign(state, rest, { rounds });
      delete state.roundCount;
    }
    const completed = state.rounds.length;
    const missing = (r: ParticipantResponse) =>
      typeof r.text !== 'string' || (r.voteRetry !== undefined && r.voteRetry.text === undefined && !r.voteRetry.errorKind);
    const stripped = [
      ...state.rounds.flatMap((r) => r.responses.map((response) => ({ round: r.number, response }))),
      ...(state.partial ?? []).map((response) => ({ round: completed + 1, response })),
    ].filter((x) => missing(x.response));
    if (!stripped.length) return state;
    const rows = await this.rounds.textsUpTo(checkpoint.deliberationId, completed + 1);
    const byKey = new Map(rows.map((row) => [`${row.round}:${row.participantIndex}`, row]));
    for (const { round, response } of stripped) {
      const row = byKey.get(`${round}:${response.participantIndex}`);
      if (!row) {
        // Only the round in progress may lack a row; its answers are read from the table again on a run.
        if (round > completed) {
          if (typeof response.text !== 'string') response.text = '';
          continue;
        }
        throw new DomainError(
          'rule_violated',
          'CHECKPOINT_CORRUPT',
          `checkpoint ${checkpoint.id}: the answer of participant ${response.participantIndex} in round ${round} is missing`,
        );
      }
      if (typeof response.text !== 'string') response.text = row.text;
      if (response.voteRetry && row.voteRetry && row.voteRetry.text !== null) response.voteRetry.text = row.voteRetry.text;
    }
    return state;
  }

  /**
   * The round, its convergence and the checkpoint that captures it commit together. `figures` (token
   * totals, budget snapshot, next round) are stored beside the state for people and tools; loading a
   * checkpoint ignores them, since they follow from the state.
   */
  async roundCompleted(state: EngineState, round: RoundState, now: Date, figures: Record<string, unknown> = {}): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      // Its checkpoint is not written either (the transaction rolls back): the other run's stands.
      if (!(await this.rounds.complete(manager, state.id, round))) throw new RunSuperseded(`round ${round.number} of ${state.id} was completed by another run`);
      const checkpoint = await this.checkpoints.save(manager, {
        deliberationId: state.id,
        round: round.number,
        reason: 'round',
        schemaVersion: STATE_SCHEMA_VERSION,
        state: { ...figures, ...asStored(state) },
        now,
      });
      await this.deliberations.setLatestCheckpoint(manager, state.id, checkpoint.id, now, state.runtime);
      return checkpoint.id;
    });
  }

  /**
   * A checkpoint of the state as it stands, outside a round (reason "pause", "person", "shutdown",
   * "recovery" or "failure"), made the deliberation's latest: so every stopped deliberation can be resumed.
   */
  async save(state: EngineState, reason: string, now: Date, figures: Record<string, unknown> = {}): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const checkpoint = await this.checkpoints.save(manager, {
        deliberationId: state.id,
        round: state.rounds.length,
        reason,
        schemaVersion: STATE_SCHEMA_VERSION,
        state: { ...figures, ...asStored(state) },
        now,
      });
      await this.deliberations.setLatestCheckpoint(manager, state.id, checkpoint.id, now);
      return checkpoint.id;
    });
  }
}
