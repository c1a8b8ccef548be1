import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { AdapterError, AdapterRegistry } from '@app/adapters';
import { CheckpointStore } from '@app/checkpoint';
import { CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import { encodingForModel, MetricsService, TokenizerService, unavailableUsage, UsageService } from '@app/tokens';
import type { ParticipantResponse, TierDecisionRecord } from '../deliberation.types';
import { DeliberationEngine } from '../engine/engine';
import type { EngineOutcome, EnginePorts, EngineState, PauseInfo } from '../engine/engine.ports';
import { DeliberationRepository, emptyRuntime } from '../persistence/deliberation.repository';
import { memoizeTokenCounter } from '../rules';
import { BudgetGate } from './budget-gate';
import { Clock } from './clock';
import { EventHub, eventsFromView } from './event-hub';
import { Semaphore } from './semaphore';
import { nextRoundEstimate, spentSoFar, tokenTotals } from './spend';
import { TierPolicy } from './tier-policy';

interface ActiveRun {
  controller: AbortController;
  /** A person's pause: the run stops before its next calls (the controller cuts the calls in flight). */
  pause: AbortController;
  done: Promise<void>;
}

/**
 * Runs deliberations: a bounded number at once, the rest queued, each through the engine with the
 * production ports. Owns every run's lifecycle (status transitions, events, shutdown and recovery).
 */
@Injectable()
export class DeliberationRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliberationRunner.name);
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: string[] = [];
  private readonly adapterSlots = new Map<string, Semaphore>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly engine: DeliberationEngine;
  /** Token counts per encoding: participants on different models of one encoding tokenize each answer once, not once each. */
  private readonly counters = new Map<string, (text: string) => number>();
  private stopping = false;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly repository: DeliberationRepository,
    private readonly checkpoints: CheckpointStore,
    private readonly registry: AdapterRegistry,
    private readonly tokenizer: TokenizerService,
    private readonly metrics: MetricsService,
    private readonly hub: EventHub,
    private readonly clock: Clock,
    private readonly tierPolicy: TierPolicy,
    private readonly budgetGate: BudgetGate,
    private readonly usage: UsageService,
  ) {
    const d = config.deliberation;
    this.engine = new DeliberationEngine(this.ports(), {
      maxOutputTokens: d.maxOutputTokens,
      roundTimeoutMs: d.roundTimeoutMs,
      retryMissingVote: d.retryMissingVote,
      minRounds: d.minRounds,
      ballot: d.ballot,
      history: d.history,
      digestTokens: d.digestTokens,
      answerWords: d.answerWords,
      convergence: d.convergence,
    });
    this.metrics.setDeliberationStatusSource(() => this.repository.countByStatus());
  }

  /** Deliberations left running by a process that died are interrupted; queued ones are queued again. */
  async onApplicationBootstrap(): Promise<void> {
    const now = this.clock.now();
    const orphans = await this.repository.idsWithStatus(['running']);
    for (const id of orphans) {
      await this.repository.setStatus(id, 'interrupted', now);
      // One that died before its first checkpoint gets one, so it can be resumed (from round 1).
      if (await this.checkpoints.latestFor(id)) continue;
      try {
        await this.repository.saveCheckpoint(await this.loadState(id), 'recovery', now);
      } catch (e) {
        this.logger.error({ deliberationId: id, err: e }, 'could not checkpoint an interrupted deliberation');
      }
    }
    if (orphans.length) this.logger.warn(`${orphans.length} deliberation(s) were running when the process stopped: marked interrupted`);
    for (const id of await this.repository.idsWithStatus(['queued'])) this.enqueue(id);
    if (this.config.checkpoints.resumeInterruptedOnStart) {
      for (const id of await this.repository.idsWithStatus(['interrupted'])) {
        if (await this.repository.transition(id, ['interrupted'], 'queued', now)) this.enqueue(id);
      }
    }
  }

  /** SIGTERM/SIGINT: every run stops at once at a safe point (all finished answers are stored) and is interrupted. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    const runs = [...this.active.values()];
    for (const run of runs) run.controller.abort('shutdown');
    await Promise.all(runs.map((r) => r.done));
    this.hub.closeAll();
  }

  /** Rejects when the queue is full, so callers can answer 429 before storing anything. */
  assertCapacity(): void {
    const { maxRunning, maxQueued } = this.config.deliberation;
    if (this.stopping) throw new DomainError('unavailable', 'SHUTTING_DOWN', 'the service is shutting down; retry shortly');
    if (this.active.size >= maxRunning && this.queue.length >= maxQueued) {
      throw new DomainError('rate_limited', 'QUEUE_FULL', `${maxRunning} deliberations are running and ${maxQueued} are queued; retry later`, undefined, 5);
    }
  }

  enqueue(id: string): void {
    if (this.stopping || this.active.has(id) || this.queue.includes(id)) return;
    this.queue.push(id);
    this.drain();
  }

  isActive(id: string): boolean {
    return this.active.has(id) || this.queue.includes(id);
  }

  /** Stops a run at once: in-flight calls are aborted, stored state is kept. Returns false when nothing ran. */
  cancel(id: string): boolean {
    const queued = this.queue.indexOf(id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.wake(id);
    }
    const run = this.active.get(id);
    if (run) run.controller.abort('cancelled');
    return queued >= 0 || Boolean(run);
  }

  /**
   * A person's pause. A queued deliberation stands paused at once (with a checkpoint to resume from); a
   * running one finishes the calls in flight, or with `now` cuts them keeping the answers that arrived,
   * then checkpoints and stands paused. Returns false when nothing was queued or running here.
   */
  async pause(id: string, now: boolean): Promise<boolean> {
    const queued = this.queue.indexOf(id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.wake(id);
      const at = this.clock.now();
      const pause: PauseInfo = { reason: 'person', limit: 'person', used: 0, nextRoundEstimateTokens: 0 };
      if (!(await this.repository.transition(id, ['queued'], 'paused', at, { pause }))) return false;
      const state = await this.loadState(id);
      pause.used = spentSoFar(state).tokens;
      pause.nextRoundEstimateTokens = nextRoundEstimate(state, this.config.deliberation.maxOutputTokens);
      await this.finish(id, state, { kind: 'paused', pause });
      return true;
    }
    const run = this.active.get(id);
    if (!run) return false;
    run.pause.abort('person');
    if (now) run.controller.abort('pause');
    return true;
  }

  /** Resolves when the deliberation's current run has ended (or at once when none is queued or running). */
  whenDone(id: string): Promise<void> {
    if (!this.isActive(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  private wake(id: string): void {
    for (const resolve of this.waiters.get(id) ?? []) resolve();
    this.waiters.delete(id);
  }

  private drain(): void {
    while (!this.stopping && this.active.size < this.config.deliberation.maxRunning && this.queue.length) {
      const id = this.queue.shift()!;
      const controller = new AbortController();
      const pause = new AbortController();
      const run: ActiveRun = { controller, pause, done: Promise.resolve() };
      run.done = this.execute(id, controller.signal, pause.signal)
        .catch((e: unknown) => this.logger.error({ deliberationId: id, err: e }, 'deliberation run crashed'))
        .finally(() => {
          this.active.delete(id);
          this.wake(id);
          this.drain();
        });
      this.active.set(id, run);
    }
  }

  private async execute(id: string, signal: AbortSignal, pause: AbortSignal): Promise<void> {
    const now = this.clock.now();
    if (!(await this.repository.transition(id, ['queued'], 'running', now))) return;
    if (!this.hub.live(id)) {
      const view = await this.repository.view(id);
      if (view) this.hub.open(id, eventsFromView(view, false));
    }
    let state: EngineState | null = null;
    let outcome: EngineOutcome;
    try {
      state = await this.loadState(id);
      this.logger.log({ deliberationId: id, fromRound: state.rounds.length + 1 }, 'deliberation running');
      outcome = await this.engine.run(state, signal, pause);
    } catch (e) {
      // A run must always end in a stored status, never stay "running" behind a thrown error.
      this.logger.error({ deliberationId: id, err: e }, 'deliberation failed unexpectedly');
      outcome = { kind: 'failed', reason: `internal error: ${(e as Error).message}`, result: null };
    }
    await this.finish(id, state, outcome);
  }

  private async finish(id: string, state: EngineState | null, outcome: EngineOutcome): Promise<void> {
    // What it cost, read from the ledger once every call is recorded: the same totals as GET …/tokens.
    if ('result' in outcome && outcome.result) outcome.result.tokens = (await this.usage.deliberationTokens(id)).totals;
    const now = this.clock.now();
    const runtime = state?.runtime;
    switch (outcome.kind) {
      case 'completed':
        await this.repository.setStatus(id, 'completed', now, { result: outcome.result, pause: null, runtime });
        this.hub.emit(id, 'completed', { result: outcome.result }, now);
        break;
      case 'paused': {
        // A person's pause cut mid-round keeps the answers that arrived in a checkpoint of its own.
        if (state && outcome.pause.reason === 'person' && state.partial.length) await this.repository.saveCheckpoint(state, 'person', now);
        else if (state) await this.ensureCheckpoint(state, 'pause', now);
        await this.repository.setStatus(id, 'paused', now, { pause: outcome.pause, runtime });
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
            checkpointId = await this.repository.saveCheckpoint(state, 'failure', now);
          } catch (e) {
            this.logger.error({ deliberationId: id, err: e }, 'could not checkpoint a failed deliberation');
          }
        }
        await this.repository.setStatus(id, 'failed', now, { failure: outcome.reason, result: outcome.result, runtime });
        this.hub.emit(id, 'failed', { reason: outcome.reason, result: outcome.result, latestCheckpointId: checkpointId }, now);
        break;
      }
      case 'aborted':
        if (outcome.why === 'shutdown') {
          if (state) await this.ensureCheckpoint(state, 'shutdown', now);
          await this.repository.setStatus(id, 'interrupted', now, { runtime });
          this.hub.emit(id, 'interrupted', {}, now);
        } else {
          await this.repository.setStatus(id, 'cancelled', now, { result: outcome.result, runtime });
          this.hub.emit(id, 'cancelled', { result: outcome.result }, now);
        }
        break;
    }
  }

  /** A paused or interrupted deliberation must be resumable: without a checkpoint of its own yet, it gets one of its state as it stands. */
  private async ensureCheckpoint(state: EngineState, reason: string, now: Date): Promise<void> {
    if (await this.checkpoints.latestFor(state.id)) return;
    await this.repository.saveCheckpoint(state, reason, now);
  }

  /** The state to run from: the latest checkpoint (upgraded if older) plus answers stored after it. */
  private async loadState(id: string): Promise<EngineState> {
    const row = await this.repository.find(id);
    if (!row) throw new DomainError('not_found', 'DELIBERATION_NOT_FOUND', `deliberation ${id} does not exist`);
    const request = row.request as EngineState['request'];
    const latest = row.latestCheckpointId ? await this.checkpoints.get(row.latestCheckpointId) : null;
    const base: EngineState = latest
      ? await this.repository.loadCheckpointState(latest)
      : { id, request, rounds: [], partial: [], runtime: (row.runtime as EngineState['runtime']) ?? emptyRuntime() };
    // The stored request wins: a resume may have replaced participants, budget or maxRounds.
    const state: EngineState = { ...base, id, request, runtime: (row.runtime as EngineState['runtime']) ?? base.runtime };
    state.partial = await this.repository.partialResponses(id, state.rounds.length + 1);
    return state;
  }

  /**
   * The embeddings convergence backend: one call for the round's answers. Its tokens are counted like
   * any call's (participant index -1 in the ledger: the deliberation itself, not a participant) and
   * billed to the budget windows; a failure is logged and the round falls back to TF-IDF.
   */
  private async embedAnswers(state: EngineState, round: number, texts: string[]): Promise<number[][] | null> {
    const { adapter: name, model } = this.config.deliberation.convergence.embeddings!;
    const adapter = this.registry.get(name);
    const started = Date.now();
    let result: { vectors: number[][] | null; usage: ParticipantResponse['usage']; errorKind?: string };
    try {
      const embedded = await this.slots(name).run(() => adapter.embed!({ texts, model, signal: new AbortController().signal }));
      result = { vectors: embedded.vectors, usage: embedded.usage };
    } catch (e) {
      const failure = e instanceof AdapterError ? e : new AdapterError('bad_response', (e as Error).message, unavailableUsage({ adapter: name, provider: adapter.provider, model }));
      this.logger.warn({ deliberationId: state.id, round, adapter: name, kind: failure.kind }, `embeddings failed (${failure.message}); TF-IDF used for this round`);
      result = { vectors: null, usage: failure.usage, errorKind: failure.kind };
    }
    const latencyMs = Date.now() - started;
    const { costUsd } = await this.repository.recordCall(state.id, round, { participantIndex: -1, tier: 'fast', usage: result.usage, latencyMs, errorKind: result.errorKind });
    this.budgetGate.record(result.usage.totalTokens, costUsd);
    this.metrics.observeCall({ deliberationId: state.id, round, participantIndex: -1, tier: 'fast', usage: result.usage, latencyMs, errorKind: result.errorKind }, costUsd);
    return result.vectors;
  }

  private slots(adapter: string): Semaphore {
    let slots = this.adapterSlots.get(adapter);
    if (!slots) {
      slots = new Semaphore(this.registry.get(adapter).concurrency);
      this.adapterSlots.set(adapter, slots);
    }
    return slots;
  }

  private counter(model: string): (text: string) => number {
    const encoding = encodingForModel(model);
    let counter = this.counters.get(encoding);
    if (!counter) {
      counter = memoizeTokenCounter((text) => this.tokenizer.count(text, model));
      this.counters.set(encoding, counter);
    }
    return counter;
  }

  private ports(): EnginePorts {
    return {
      now: () => this.clock.now(),
      countTokens: (text, model) => this.counter(model)(text),
      contextTokens: (adapter) => this.registry.get(adapter).contextTokens,
      planRound: (state, round, constraints) => this.tierPolicy.plan(state, round, constraints),
      checkLimits: (state) => this.budgetGate.check(state),
      reserve: (state, calls) => this.budgetGate.reserve(state, calls),
      invoke: async (adapterName, request) => {
        const adapter = this.registry.get(adapterName);
        try {
          return await this.slots(adapterName).run(() => adapter.invoke(request), request.signal);
        } catch (e) {
          if (e instanceof AdapterError) throw e;
          if (request.signal.aborted) {
            throw new AdapterError('cancelled', 'the call was cancelled', unavailableUsage({ adapter: adapterName, provider: adapter.provider, model: request.model }));
          }
          throw e;
        }
      },
      recordResponse: async (state, round, response: ParticipantResponse, afterConvergence) => {
        const { costUsd } = await this.repository.recordResponse(state.id, round, response, afterConvergence, this.clock.now());
        this.metrics.observeCall(
          { deliberationId: state.id, round, participantIndex: response.participantIndex, tier: response.tier, usage: response.usage, latencyMs: response.latencyMs, errorKind: response.error?.kind },
          costUsd,
        );
        return costUsd;
      },
      recordCall: async (state, round, call, afterConvergence) => {
        const { costUsd } = await this.repository.recordCall(state.id, round, { ...call, afterConvergence });
        this.metrics.observeCall({ deliberationId: state.id, round, ...call }, costUsd);
        return costUsd;
      },
      roundStarted: (state, round, decisions: TierDecisionRecord[], startedAt) => this.repository.roundStarted(state.id, round, decisions, startedAt),
      roundCompleted: (state, round) =>
        this.repository.roundCompleted(state, round, this.clock.now(), {
          nextRound: state.rounds.length + 1,
          tokens: tokenTotals(state),
          budget: this.budgetGate.snapshot(state),
        }),
      emit: (id, type, data) => this.hub.emit(id, type, data, this.clock.now()),
      ...(this.config.deliberation.convergence.backend === 'embeddings' ? { embed: (state: EngineState, round: number, texts: string[]) => this.embedAnswers(state, round, texts) } : {}),
    };
  }
}

