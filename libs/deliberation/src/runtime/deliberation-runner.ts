import { Inject, Injectable, Logger } from '@nestjs/common';
import { CheckpointStore } from '@app/checkpoint';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { BudgetLedger } from '@app/tiering';
import { MetricsService, UsageService } from '@app/tokens';
import { DataSource } from 'typeorm';
import type { DeliberationStatus } from '../deliberation.types';
import { DeliberationEngine } from '../engine/engine';
import { RunSuperseded, type EngineOutcome, type PauseInfo } from '../engine/engine.ports';
import { DeliberationRepository, type StatusChange } from '../persistence/deliberation.repository';
import { DeliberationViews } from '../persistence/deliberation-views';
import type { EngineState } from '../state/engine-state';
import { nextRoundEstimate, spentSoFar } from '../state/spend';
import { StateStore } from '../state/state-store';
import { EventHub, eventsFromView } from './event-hub';
import { decisionRecord } from '../memory/decision';
import { DecisionMemory } from '../memory/decision-memory.service';
import type { DecisionEntity } from '../memory/decision.entities';
import { decisionText } from '../memory/memory-vector';
import { ProductionPorts } from './production-ports';
import { GovernancePicture } from './governance-picture';

/** Runs one deliberation through the engine from its stored state, and stores how it ended. */
@Injectable()
export class DeliberationRunner {
  private readonly logger = new Logger(DeliberationRunner.name);
  private readonly engine: DeliberationEngine;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly dataSource: DataSource,
    private readonly deliberations: DeliberationRepository,
    private readonly views: DeliberationViews,
    private readonly states: StateStore,
    private readonly checkpoints: CheckpointStore,
    private readonly hub: EventHub,
    private readonly clock: Clock,
    private readonly usage: UsageService,
    private readonly governance: GovernancePicture,
    private readonly memory: DecisionMemory,
    private readonly ports: ProductionPorts,
    private readonly budget: BudgetLedger,
    metrics: MetricsService,
  ) {
    const d = config.deliberation;
    this.engine = new DeliberationEngine(ports.ports(), {
      maxOutputTokens: d.maxOutputTokens,
      roundTimeoutMs: d.roundTimeoutMs,
      retryMissingVote: d.retryMissingVote,
      minRounds: d.minRounds,
      ballot: d.ballot,
      history: d.history,
      digestTokens: d.digestTokens,
      digestAdapter: d.digestAdapter,
      answerWords: d.answerWords,
      convergence: d.convergence,
    });
    metrics.setDeliberationStatusSource(() => this.deliberations.countByStatus());
  }

  /**
   * Runs the deliberation from its stored state and stores how it ended. Options for a cluster's round jobs:
   * `oneRound` stops after one round when another follows ('yielded': the next job goes on from its
   * checkpoint); `cluster` also takes a deliberation left `running` (by the previous round's job, or a
   * worker that died: the queue's lock, not the status, says who runs it) and, at shutdown, leaves it
   * `running` with a checkpoint for another worker instead of interrupted ('handed_over'). 'skipped': not
   * queued or running, nothing done. 'superseded': another worker recorded one of its calls first.
   */
  async execute(
    id: string,
    signal: AbortSignal,
    pause: AbortSignal,
    options: { oneRound?: boolean; cluster?: boolean } = {},
  ): Promise<EngineOutcome['kind'] | 'skipped' | 'superseded' | 'handed_over'> {
    const now = this.clock.now();
    if (!(await this.deliberations.transition(id, options.cluster ? ['queued', 'running'] : ['queued'], 'running', now))) return 'skipped';
    if (!this.hub.live(id)) {
      const view = await this.views.view(id);
      if (view) this.hub.open(id, eventsFromView(view, false));
    }
    let state: EngineState | null = null;
    let outcome: EngineOutcome;
    try {
      state = await this.states.load(id);
      // Zones and tier caps from every process's spend (PostgreSQL), as the round is planned.
      await this.budget.sync();
      this.logger.log({ deliberationId: id, fromRound: state.rounds.length + 1 }, 'deliberation running');
      outcome = await this.engine.run(state, signal, pause, { oneRound: options.oneRound });
    } catch (e) {
      if (e instanceof RunSuperseded) outcome = { kind: 'aborted', why: 'superseded', result: null };
      else {
        // A run must always end in a stored status, never stay "running" behind a thrown error.
        this.logger.error({ deliberationId: id, err: e }, 'deliberation failed unexpectedly');
        outcome = { kind: 'failed', reason: `internal error: ${(e as Error).message}`, result: null };
      }
    }
    if (outcome.kind === 'aborted' && outcome.why === 'superseded') {
      // Another worker recorded one of this run's calls: it runs the deliberation now; nothing here is stored.
      this.logger.warn({ deliberationId: id }, 'another worker took this round over; this run stops without writing');
      return 'superseded';
    }
    if (options.cluster && outcome.kind === 'aborted' && outcome.why === 'shutdown') {
      // This worker stops; the deliberation does not: it stays running from a checkpoint for the next worker.
      if (state) await this.ensureCheckpoint(state, 'shutdown', this.clock.now());
      return 'handed_over';
    }
    await this.finish(id, state, outcome);
    return outcome.kind;
  }

  /** A queued deliberation a person paused: it stands paused at once, with a checkpoint to resume from. */
  async pauseQueued(id: string): Promise<boolean> {
    const pause: PauseInfo = { reason: 'person', limit: 'person', used: 0, nextRoundEstimateTokens: 0 };
    if (!(await this.deliberations.transition(id, ['queued'], 'paused', this.clock.now(), { pause }))) return false;
    const state = await this.states.load(id);
    pause.used = spentSoFar(state).tokens;
    pause.nextRoundEstimateTokens = nextRoundEstimate(state, this.config.deliberation.maxOutputTokens);
    await this.finish(id, state, { kind: 'paused', pause });
    return true;
  }

  private async finish(id: string, state: EngineState | null, outcome: EngineOutcome): Promise<void> {
    // The decision's embedding (memory.embeddings) is its last call, so its tokens are in the totals below.
    const embedding = outcome.kind === 'completed' && state ? await this.embedDecision(state) : null;
    // What it cost, read from the ledger once every call is recorded: the same totals as GET …/tokens.
    if ('result' in outcome && outcome.result) outcome.result.tokens = (await this.usage.deliberationTokens(id)).totals;
    const now = this.clock.now();
    const runtime = state?.runtime;
    switch (outcome.kind) {
      case 'yielded':
        // The round is checkpointed; the next run goes on from there.
        break;
      case 'completed': {
        // Its decision is stored with the status, in one commit: memory never holds a decision whose deliberation did not complete.
        const decision = state && outcome.result ? decisionRecord(id, state.request, state.rounds, outcome.result, now, embedding) : undefined;
        await this.setStatus(id, 'completed', now, { result: outcome.result, pause: null, runtime }, decision);
        if (decision) this.memory.remember(decision);
        this.hub.emit(id, 'completed', { result: outcome.result }, now);
        break;
      }
      case 'paused': {
        // A person's pause cut mid-round keeps the answers that arrived in a checkpoint of its own.
        if (state && outcome.pause.reason === 'person' && state.partial.length)
          await this.states.save(state, 'person', now, { governance: await this.governance.of(state) });
        else if (state) await this.ensureCheckpoint(state, 'pause', now);
        await this.setStatus(id, 'paused', now, { pause: outcome.pause, runtime });
        const latest = await this.checkpoints.latestFor(id);
        this.logger.warn({ deliberationId: id, pause: outcome.pause }, `deliberation paused: ${outcome.pause.reason} (${outcome.pause.limit})`);
        this.hub.emit(id, 'paused', { pause: outcome.pause, latestCheckpointId: latest?.id ?? null }, now);
        break;
      }
      case 'failed': {
        // A failed deliberation is resumable once the provider is back: it gets a checkpoint of the state
        // as it stands (completed rounds; the answers of the failed round stay in the responses table,
        // and a resume re-asks only the participants without one), made its latest.
        let checkpointId: string | null = null;
        if (state) {
          try {
            checkpointId = await this.states.save(state, 'failure', now);
          } catch (e) {
            this.logger.error({ deliberationId: id, err: e }, 'could not checkpoint a failed deliberation');
          }
        }
        await this.setStatus(id, 'failed', now, { failure: outcome.reason, result: outcome.result, runtime });
        this.hub.emit(id, 'failed', { reason: outcome.reason, result: outcome.result, latestCheckpointId: checkpointId }, now);
        break;
      }
      case 'aborted':
        if (outcome.why === 'shutdown') {
          if (state) await this.ensureCheckpoint(state, 'shutdown', now);
          await this.setStatus(id, 'interrupted', now, { runtime });
          this.hub.emit(id, 'interrupted', {}, now);
        } else {
          await this.setStatus(id, 'cancelled', now, { result: outcome.result, runtime });
          this.hub.emit(id, 'cancelled', { result: outcome.result }, now);
        }
        break;
    }
  }

  /** With memory.embeddings: the vector of the completed deliberation's question + context (null when the call fails: TF-IDF alone then). */
  private async embedDecision(state: EngineState): Promise<{ model: string; vector: number[] } | null> {
    const spec = this.config.memory.embeddings;
    if (!spec) return null;
    const text = decisionText(state.request.question, state.request.context);
    const vectors = await this.ports.embedTexts(state.id, Math.max(1, state.rounds.length), spec, [text], 'the decision keeps its TF-IDF vector only');
    return vectors?.[0] ? { model: spec.model, vector: vectors[0] } : null;
  }

  /** The status and, once finished, its checkpoints marked prunable (and a completed one's decision stored), in one transaction. */
  private async setStatus(id: string, status: DeliberationStatus, now: Date, change: StatusChange, decision?: DecisionEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.deliberations.setStatus(manager, id, status, now, change);
      if (decision) await this.memory.record(manager, decision);
      if (status === 'completed' || status === 'failed' || status === 'cancelled') await this.checkpoints.markDeliberationFinished(manager, id);
    });
  }

  /** A paused or interrupted deliberation must be resumable: without a checkpoint of its own yet, it gets one of its state as it stands. */
  private async ensureCheckpoint(state: EngineState, reason: string, now: Date): Promise<void> {
    if (await this.checkpoints.latestFor(state.id)) return;
    await this.states.save(state, reason, now, { governance: await this.governance.of(state) });
  }
}
