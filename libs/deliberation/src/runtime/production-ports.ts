import { Inject, Injectable, Logger } from '@nestjs/common';
import { AdapterError, AdapterRegistry, CircuitBreakers } from '@app/adapters';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { encodingForModel, TokenizerService, unavailableUsage, type TokenUsage } from '@app/tokens';
import { DataSource } from 'typeorm';
import type { TierDecisionRecord } from '../deliberation.types';
import type { EnginePorts } from '../engine/engine.ports';
import { RoundRepository } from '../persistence/round.repository';
import { CHAIR_PARTICIPANT, DIGEST_PARTICIPANT, memoizeTokenCounter } from '../rules';
import type { EngineState } from '../state/engine-state';
import { tokenTotals } from '../state/spend';
import { StateStore } from '../state/state-store';
import { BudgetGate } from './budget-gate';
import { CallRecorder } from './call-recorder';
import { EventHub } from './event-hub';
import { Semaphore } from './semaphore';
import { TierPolicy } from './tier-policy';
import { GovernancePicture } from './governance-picture';

/** The engine's ports as production wires them: adapters behind per-adapter semaphores, memoized token counts, the recorder, checkpoints, events. */
@Injectable()
export class ProductionPorts {
  private readonly logger = new Logger(ProductionPorts.name);
  private readonly adapterSlots = new Map<string, Semaphore>();
  /** Token counts per encoding: participants on different models of one encoding tokenize each answer once, not once each. */
  private readonly counters = new Map<string, (text: string) => number>();

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly dataSource: DataSource,
    private readonly registry: AdapterRegistry,
    private readonly tokenizer: TokenizerService,
    private readonly recorder: CallRecorder,
    private readonly rounds: RoundRepository,
    private readonly states: StateStore,
    private readonly hub: EventHub,
    private readonly clock: Clock,
    private readonly tierPolicy: TierPolicy,
    private readonly budgetGate: BudgetGate,
    private readonly governance: GovernancePicture,
    private readonly breakers: CircuitBreakers,
  ) {}

  ports(): EnginePorts {
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
          return await this.slots(adapterName).run(() => this.throughBreaker(adapterName, request.model, () => adapter.invoke(request)), request.signal);
        } catch (e) {
          if (e instanceof AdapterError) throw e;
          if (request.signal.aborted) {
            throw new AdapterError(
              'cancelled',
              'the call was cancelled',
              unavailableUsage({ adapter: adapterName, provider: adapter.provider, model: request.model }),
            );
          }
          throw e;
        }
      },
      record: async (state, round, response, afterConvergence) => {
        const { participantIndex, tier, usage, latencyMs } = response;
        if (participantIndex >= 0)
          return this.recorder.recordAnswer(state.id, round, response, afterConvergence, state.request.participants[participantIndex]?.role);
        // The deliberation's own calls (the chair's, the digests') have no answer row: their tokens go to the ledger alone.
        const role = participantIndex === CHAIR_PARTICIPANT ? 'chair' : participantIndex === DIGEST_PARTICIPANT ? 'digest' : undefined;
        response.costUsd = await this.recorder.recordCall(state.id, round, { participantIndex, tier, usage, latencyMs, errorKind: response.error?.kind, role });
        return true;
      },
      roundStarted: (state, round, decisions: TierDecisionRecord[], startedAt) =>
        this.rounds.start(this.dataSource.manager, state.id, round, decisions, startedAt),
      roundCompleted: async (state, round, last) =>
        this.states.roundCompleted(state, round, this.clock.now(), {
          nextRound: state.rounds.length + 1,
          tokens: tokenTotals(state),
          budget: this.budgetGate.snapshot(state),
          governance: await this.governance.of(state, last),
        }),
      emit: (id, type, data) => this.hub.emit(id, type, data, this.clock.now()),
      ...(this.config.deliberation.convergence.backend === 'embeddings'
        ? {
            embed: (state: EngineState, round: number, texts: string[]) =>
              this.embedTexts(state.id, round, this.config.deliberation.convergence.embeddings!, texts, 'TF-IDF used for this round'),
          }
        : {}),
    };
  }

  /**
   * One embeddings call for a deliberation: the convergence backend's (a round's answers) and decision
   * memory's (question + context). Its tokens are counted like any call's (participant index -1 in the
   * ledger: the deliberation itself, not a participant) and billed to the budget windows; a failure is
   * logged (`fallback` says what stands in) and answers null.
   */
  async embedTexts(
    deliberationId: string,
    round: number,
    spec: { adapter: string; model: string },
    texts: string[],
    fallback: string,
  ): Promise<number[][] | null> {
    const { adapter: name, model } = spec;
    // loadConfig refuses an unknown embeddings adapter at start-up; an app built from a bare schema is not stopped here either.
    if (!this.registry.has(name)) {
      this.logger.warn({ deliberationId, round, adapter: name }, `embeddings adapter "${name}" is not configured; ${fallback}`);
      return null;
    }
    const adapter = this.registry.get(name);
    const started = Date.now();
    let result: { vectors: number[][] | null; usage: TokenUsage; errorKind?: string };
    try {
      const embedded = await this.slots(name).run(() =>
        this.throughBreaker(name, model, () => adapter.embed!({ texts, model, signal: new AbortController().signal })),
      );
      result = { vectors: embedded.vectors, usage: embedded.usage };
    } catch (e) {
      const failure =
        e instanceof AdapterError
          ? e
          : new AdapterError('bad_response', (e as Error).message, unavailableUsage({ adapter: name, provider: adapter.provider, model }));
      this.logger.warn({ deliberationId, round, adapter: name, kind: failure.kind }, `embeddings failed (${failure.message}); ${fallback}`);
      result = { vectors: null, usage: failure.usage, errorKind: failure.kind };
    }
    await this.recorder.recordCall(deliberationId, round, {
      participantIndex: -1,
      tier: 'fast',
      usage: result.usage,
      latencyMs: Date.now() - started,
      errorKind: result.errorKind,
      role: 'embeddings',
    });
    return result.vectors;
  }

  /**
   * A call through the adapter's circuit breaker, inside its slot (a call waiting for a slot does not take
   * the half-open trial). Refused at once while the breaker is open: planning moves participants off an
   * open adapter, so this is a call that could not move (no other adapter allowed) or the chair's.
   */
  private throughBreaker<T>(name: string, model: string, call: () => Promise<T>): Promise<T> {
    return this.breakers.guard(
      name,
      call,
      () =>
        new AdapterError(
          'circuit_open',
          `${name}: not called, its circuit breaker is open after repeated transport failures`,
          unavailableUsage({ adapter: name, provider: this.registry.get(name).provider, model }),
        ),
    );
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
}
