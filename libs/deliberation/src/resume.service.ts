import { Injectable } from '@nestjs/common';
import { CheckpointStore } from '@app/checkpoint';
import { DomainError } from '@app/config';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DeliberationService, StartDeliberation } from './deliberation.service';
import type { DeliberationRequest } from './deliberation.types';
import type { ResumeRecord } from './deliberation.view';
import { DeliberationRepository } from './persistence/deliberation.repository';
import { upgradeState } from './state/state-upgrade';
import { DeliberationViews } from './persistence/deliberation-views';
import { RoundRepository } from './persistence/round.repository';
import { Clock } from '@app/config';
import { RunQueue } from './runtime/run-queue';
import { EventHub, eventsFromView } from './runtime/event-hub';

export interface ResumeChanges {
  budget?: DeliberationRequest['budget'];
  maxRounds?: number;
  participants?: StartDeliberation['participants'];
  /** Must be true to resume with a different number of participants. */
  changeParticipantCount?: boolean;
}

export type ResumeAnswer =
  { id: string; status: string; resumedFromCheckpointId: string } | { id: string; status: string; parentId: string; forkedFromCheckpointId: string };

/**
 * Resume from a checkpoint id. The latest checkpoint of a paused, interrupted or failed deliberation
 * continues that deliberation; any other checkpoint (older, or of a finished deliberation) forks a new
 * one from that state, linked to its parent.
 */
@Injectable()
export class ResumeService {
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly checkpoints: CheckpointStore,
    private readonly repository: DeliberationRepository,
    private readonly deliberations: DeliberationService,
    private readonly views: DeliberationViews,
    private readonly rounds: RoundRepository,
    private readonly runs: RunQueue,
    private readonly hub: EventHub,
    private readonly clock: Clock,
  ) {}

  async resume(checkpointId: string, changes: ResumeChanges): Promise<ResumeAnswer> {
    if (this.inProgress.has(checkpointId)) {
      throw new DomainError('conflict', 'RESUME_IN_PROGRESS', `checkpoint ${checkpointId} is already being resumed`);
    }
    this.inProgress.add(checkpointId);
    try {
      return await this.resumeOnce(checkpointId, changes);
    } finally {
      this.inProgress.delete(checkpointId);
    }
  }

  private async resumeOnce(checkpointId: string, changes: ResumeChanges): Promise<ResumeAnswer> {
    const checkpoint = await this.checkpoints.get(checkpointId);
    const row = await this.repository.find(checkpoint.deliberationId);
    if (!row) throw new DomainError('not_found', 'DELIBERATION_NOT_FOUND', `the deliberation of checkpoint ${checkpointId} no longer exists`);
    if (row.status === 'running' || row.status === 'queued' || this.runs.isActive(row.id)) {
      throw new DomainError('conflict', 'DELIBERATION_RUNNING', `deliberation ${row.id} is ${row.status}; cancel it or wait for it to pause before resuming`);
    }
    // A resume queues a run like a new deliberation does, so it meets the same cap (429 before anything is stored).
    await this.runs.assertCapacity();
    const state = upgradeState(checkpoint.schemaVersion, checkpoint.state);
    const base = row.request as DeliberationRequest;
    const now = this.clock.now();
    const continues = row.latestCheckpointId === checkpoint.id && ['paused', 'interrupted', 'failed'].includes(row.status);

    if (continues) {
      const request = this.applyChanges(base, changes);
      if (!(await this.repository.transition(row.id, ['paused', 'interrupted', 'failed'], 'queued', now, { failure: null }))) {
        throw new DomainError('conflict', 'DELIBERATION_RUNNING', `deliberation ${row.id} was resumed by another request`);
      }
      await this.repository.addResume(row.id, { checkpointId, at: now.toISOString(), changes: { ...changes } as ResumeRecord['changes'] }, request);
      this.hub.open(row.id, eventsFromView((await this.views.view(row.id))!, false));
      this.runs.enqueue(row.id);
      return { id: row.id, status: 'queued', resumedFromCheckpointId: checkpointId };
    }

    const request = this.applyChanges(state.request, changes);
    const id = randomUUID();
    await this.dataSource.transaction(async (manager) => {
      await this.repository.create(
        {
          id,
          request,
          status: 'queued',
          now,
          parentId: row.id,
          forkedFromCheckpointId: checkpointId,
          latestCheckpointId: checkpointId,
          runtime: state.runtime,
        },
        manager,
      );
      await this.rounds.copy(manager, row.id, id, checkpoint.round);
    });
    this.hub.open(id, eventsFromView((await this.views.view(id))!, false));
    this.runs.enqueue(id);
    return { id, status: 'queued', parentId: row.id, forkedFromCheckpointId: checkpointId };
  }

  private applyChanges(request: DeliberationRequest, changes: ResumeChanges): DeliberationRequest {
    let participants = request.participants;
    if (changes.participants) {
      if (changes.participants.length !== request.participants.length && !changes.changeParticipantCount) {
        throw new DomainError(
          'invalid',
          'PARTICIPANT_COUNT_CHANGED',
          `participants: the deliberation has ${request.participants.length} participants and the resume names ${changes.participants.length}; set changeParticipantCount: true to change the count`,
          { field: 'participants' },
        );
      }
      participants = this.deliberations.resolveParticipants(changes.participants);
    }
    const maxRounds = changes.maxRounds ?? request.maxRounds;
    const changed: DeliberationRequest = {
      ...request,
      participants,
      maxRounds,
      ...(changes.budget ? { budget: { ...request.budget, ...changes.budget } } : {}),
    };
    if (changes.maxRounds !== undefined) this.deliberations.assertRoundsAllowed(changed);
    return changed;
  }
}
