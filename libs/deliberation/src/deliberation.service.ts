import { Inject, Injectable } from '@nestjs/common';
import { AdapterRegistry } from '@app/adapters';
import { CheckpointStore } from '@app/checkpoint';
import { UsageService } from '@app/tokens';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, DomainError, type ModelClass } from '@app/config';
import { randomUUID } from 'node:crypto';
import { Observable, from } from 'rxjs';
import { DataSource } from 'typeorm';
import type { ChairSpec, DeliberationRequest, DeliberationStatus, MemoryMode, ParticipantSpec } from './deliberation.types';
import { DecisionMemory, type Reusable } from './memory/decision-memory.service';
import { decisionText } from './memory/memory-vector';
import { ProductionPorts } from './runtime/production-ports';
import { reusedResult } from './memory/decision';
import { RoundRepository } from './persistence/round.repository';
import type { DeliberationView } from './deliberation.view';
import { DeliberationRepository } from './persistence/deliberation.repository';
import { DeliberationViews } from './persistence/deliberation-views';
import { StateStore } from './state/state-store';
import { renderTranscript } from './rules';
import { PriceGuard } from './runtime/price-guard';
import { RunQueue } from './runtime/run-queue';
import type { DeliberationEvent } from './deliberation-events';
import { EventHub, eventsFromView } from './runtime/event-hub';

export interface StartDeliberation {
  question: string;
  context?: string;
  participants: Array<Omit<ParticipantSpec, 'index' | 'tier' | 'stance'> & { tier?: ParticipantSpec['tier']; stance?: ParticipantSpec['stance'] }>;
  mode?: DeliberationRequest['mode'];
  maxRounds?: number;
  critical?: boolean;
  complexity?: number;
  budget?: DeliberationRequest['budget'];
  convergence?: DeliberationRequest['convergence'];
  history?: DeliberationRequest['history'];
  chair?: { adapter: string; model?: string; tier?: ModelClass };
  /** What to do with past decisions (default: config memory.mode). */
  memory?: MemoryMode;
}

/** The request's own budget, else the configured default one; none when neither limits anything. */
function budgetOf(own: StartDeliberation['budget'], fallback: StartDeliberation['budget']): { budget?: NonNullable<StartDeliberation['budget']> } {
  const budget = own ?? fallback;
  return budget && (budget.maxTokens !== undefined || budget.maxCostUsd !== undefined) ? { budget: { ...budget } } : {};
}

function notFound(id: string): DomainError {
  return new DomainError('not_found', 'DELIBERATION_NOT_FOUND', `deliberation ${id} does not exist`);
}

export function encodeCursor(cursor: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the 400 below
  }
  throw new DomainError('invalid', 'INVALID_CURSOR', 'cursor is not one this API returned; pass nextCursor from a previous page');
}

/** The deliberation use cases behind the REST API. */
@Injectable()
export class DeliberationService {
  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly repository: DeliberationRepository,
    private readonly views: DeliberationViews,
    private readonly states: StateStore,
    private readonly runs: RunQueue,
    private readonly registry: AdapterRegistry,
    private readonly hub: EventHub,
    private readonly clock: Clock,
    private readonly usage: UsageService,
    private readonly checkpointStore: CheckpointStore,
    private readonly priceGuard: PriceGuard,
    private readonly memory: DecisionMemory,
    private readonly rounds: RoundRepository,
    private readonly dataSource: DataSource,
    private readonly ports: ProductionPorts,
  ) {}

  async tokens(id: string) {
    const tokens = await this.usage.deliberationTokens(id);
    // Usage rows exist only for a stored deliberation: the existence query is needed only without them.
    if (tokens.byRound.length === 0) await this.assertExists(id);
    return tokens;
  }

  async roundTokens(id: string, round: number) {
    await this.assertExists(id);
    return this.usage.roundTokens(id, round);
  }

  async checkpoints(id: string) {
    await this.assertExists(id);
    return this.checkpointStore.listFor(id);
  }

  async checkpoint(id: string, includeState: boolean) {
    const checkpoint = await this.checkpointStore.get(id);
    // Answer texts are stored once, in the responses table; the state shown is the whole state.
    if (includeState) return { ...checkpoint, state: await this.states.restoreTexts(checkpoint) };
    const { state, ...summary } = checkpoint;
    // The governance picture stored beside the state (absent from checkpoints made before issue 15.11).
    return { ...summary, governance: (state as { governance?: unknown }).governance ?? null };
  }

  /** Checks the participants against the configured adapters: a request can only name those. */
  resolveParticipants(participants: StartDeliberation['participants']): ParticipantSpec[] {
    return participants.map((p, index) => {
      if (!this.registry.has(p.adapter)) {
        throw new DomainError(
          'invalid',
          'UNKNOWN_ADAPTER',
          `participants.${index}.adapter: no adapter named "${p.adapter}" is configured (see GET /v1/adapters)`,
          {
            field: `participants.${index}.adapter`,
          },
        );
      }
      if (!this.registry.get(p.adapter).enabled) {
        throw new DomainError('invalid', 'ADAPTER_DISABLED', `participants.${index}.adapter: adapter "${p.adapter}" is disabled`, {
          field: `participants.${index}.adapter`,
        });
      }
      // null and absent both mean "the tier's model" (the DTO's IsOptional lets null through).
      if (p.model) {
        // The model reaches CLI argv and provider requests: only safe, allowed names (see AdapterRegistry.checkModel).
        const check = this.registry.checkModel(p.adapter, p.model);
        if (!check.ok) {
          const allowed = check.allowed.map((m) => (m === '*' ? '"*" (any safe name)' : m)).join(', ');
          const why =
            check.reason === 'unsafe'
              ? 'is not a safe model name (letters, digits and . _ : @ - [ ], starting with a letter or digit, at most 128)'
              : 'is not allowed';
          throw new DomainError(
            'invalid',
            'MODEL_NOT_ALLOWED',
            `participants.${index}.model: ${JSON.stringify(p.model)} ${why} for adapter "${p.adapter}"; allowed: ${allowed}`,
            {
              field: `participants.${index}.model`,
              adapter: p.adapter,
              allowed: [...check.allowed],
            },
          );
        }
      }
      return {
        index,
        adapter: p.adapter,
        ...(p.model ? { model: p.model } : {}),
        tier: p.tier ?? 'auto',
        stance: p.stance ?? 'neutral',
        ...(p.role ? { role: p.role } : {}),
        ...(p.force ? { force: true, overrideReason: p.overrideReason } : {}),
        ...(p.complexity !== undefined ? { complexity: p.complexity } : {}),
      };
    });
  }

  /**
   * Starts a deliberation, or answers it at once from memory: with `memory: reuse` (and no `force`), a
   * past decision close enough makes a completed deliberation with no model call. Otherwise the past
   * decisions memory offers are fixed in the request, to be quoted in round 1's prompt; `memoryFrom`
   * names decisions quoted first whatever their similarity (a schedule's previous runs).
   */
  async start(input: StartDeliberation, options: { force?: boolean; memoryFrom?: string[] } = {}): Promise<DeliberationView> {
    const request = this.accept(input);
    const mode = input.memory ?? this.config.memory.mode;
    const asked = { question: request.question, context: request.context, adapters: request.participants.map((p) => p.adapter) };
    if (mode === 'reuse' && options.force !== true) {
      const reusable = await this.memory.reusable(asked);
      if (reusable) return this.answerFromMemory(request, reusable);
    }
    await this.runs.assertCapacity();
    const id = randomUUID();
    // With memory.embeddings, the quoted decisions are ranked by one embeddings call, in this deliberation's ledger.
    const embeddings = this.config.memory.embeddings;
    const embed = embeddings
      ? async () =>
          (await this.ports.embedTexts(id, 1, embeddings, [decisionText(request.question, request.context)], 'TF-IDF ranks the past decisions'))?.[0] ?? null
      : undefined;
    request.memory = { mode, decisions: mode === 'off' ? [] : await this.memory.context(asked, embed, options.memoryFrom) };
    await this.repository.create({ id, request, status: 'queued', now: this.clock.now() });
    const view = (await this.views.view(id))!;
    this.hub.open(id, eventsFromView(view, false));
    this.runs.enqueue(id);
    return view;
  }

  /** A completed deliberation made of a past decision: stored with its reuse record in one commit; nothing is queued or called. */
  private async answerFromMemory(request: DeliberationRequest, found: Reusable): Promise<DeliberationView> {
    const id = randomUUID();
    const now = this.clock.now();
    request.memory = found.use;
    const result = reusedResult(found.past, found.similarity, request.history);
    await this.dataSource.transaction(async (manager) => {
      await this.repository.create({ id, request, status: 'completed', now }, manager);
      await this.repository.setStatus(manager, id, 'completed', now, { result });
      await this.memory.recordReuse(manager, id, found.past, now);
    });
    return (await this.views.view(id))!;
  }

  /**
   * Deletes a finished deliberation: its row, rounds, answers, checkpoints and decision, in one commit.
   * Its token_usage rows stay: the ledger is the audit of what was spent, and budget history must not
   * change after the fact. A queued, running, paused or interrupted one is refused (409): cancel it first.
   */
  async delete(id: string): Promise<void> {
    const view = await this.get(id);
    if (!['completed', 'failed', 'cancelled'].includes(view.status)) {
      throw new DomainError(
        'conflict',
        'DELIBERATION_NOT_FINISHED',
        `deliberation ${id} is ${view.status}; only a completed, failed or cancelled deliberation can be deleted (cancel it first)`,
        { status: view.status },
      );
    }
    await this.dataSource.transaction(async (manager) => {
      await this.rounds.deleteFor(manager, id);
      await this.checkpointStore.deleteFor(manager, id);
      await this.memory.delete(manager, id);
      await this.repository.delete(manager, id);
    });
    this.memory.forget(id);
  }

  /**
   * A create request as it would be stored, or the 400 that refuses it: participants and models
   * checked, defaults applied, rounds and prices checked. Create and estimate both go through here, so
   * they validate alike.
   */
  accept(input: StartDeliberation): DeliberationRequest {
    const participants = this.resolveParticipants(input.participants);
    const mode = input.mode ?? 'conference';
    const request: DeliberationRequest = {
      question: input.question,
      ...(input.context ? { context: input.context } : {}),
      participants,
      mode,
      // The default is raised to minRounds so a deliberation without maxRounds can always reach it.
      maxRounds: mode === 'quick' ? 1 : (input.maxRounds ?? Math.max(3, this.config.deliberation.minRounds)),
      ...(input.critical ? { critical: true } : {}),
      ...(input.complexity !== undefined ? { complexity: input.complexity } : {}),
      ...budgetOf(input.budget, this.config.deliberation.defaultBudget),
      ...(input.convergence ? { convergence: input.convergence } : {}),
      history: input.history ?? this.config.deliberation.history,
    };
    const chair = this.resolveChair(input.chair ?? this.config.deliberation.chair);
    if (chair) request.chair = chair;
    this.assertRoundsAllowed(request);
    this.priceGuard.assertPriced(request);
    return request;
  }

  /**
   * The chair, checked like a participant (a configured, enabled adapter; a safe, allowed model) and its
   * model fixed now, so a resumed or replayed deliberation asks the same one. Default tier: reasoning.
   */
  private resolveChair(input: StartDeliberation['chair']): ChairSpec | undefined {
    if (!input) return undefined;
    if (!this.registry.has(input.adapter) || !this.registry.get(input.adapter).enabled) {
      throw new DomainError('invalid', 'UNKNOWN_ADAPTER', `chair.adapter: no enabled adapter named "${input.adapter}" is configured (see GET /v1/adapters)`, {
        field: 'chair.adapter',
      });
    }
    const tier = input.tier ?? 'reasoning';
    if (input.model) {
      const check = this.registry.checkModel(input.adapter, input.model);
      if (!check.ok) {
        throw new DomainError(
          'invalid',
          'MODEL_NOT_ALLOWED',
          `chair.model: ${JSON.stringify(input.model)} is not allowed for adapter "${input.adapter}"; allowed: ${check.allowed.join(', ')}`,
          {
            field: 'chair.model',
            adapter: input.adapter,
            allowed: [...check.allowed],
          },
        );
      }
    }
    return { adapter: input.adapter, model: input.model ?? this.registry.get(input.adapter).models[tier], tier };
  }

  /** A conference must be able to run the configured minimum of rounds before anything may stop it. */
  assertRoundsAllowed(request: DeliberationRequest): void {
    const { minRounds } = this.config.deliberation;
    if (request.mode === 'conference' && request.maxRounds < minRounds) {
      throw new DomainError(
        'invalid',
        'MAX_ROUNDS_BELOW_MIN_ROUNDS',
        `maxRounds: ${request.maxRounds} is below the configured deliberation.minRounds (${minRounds})`,
        { field: 'maxRounds' },
      );
    }
  }

  /** Waits for the run to end, up to the configured limit; answers the state as it then stands. */
  async waitForEnd(id: string): Promise<DeliberationView> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.runs.whenDone(id),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.config.deliberation.waitTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return this.get(id);
  }

  /** Waits, without a limit, for the deliberation's current run to end (at once when none is going); answers its state then. */
  async whenSettled(id: string): Promise<DeliberationView> {
    await this.runs.whenDone(id);
    return this.get(id);
  }

  async get(id: string): Promise<DeliberationView> {
    const view = await this.views.view(id);
    if (!view) throw notFound(id);
    return view;
  }

  async assertExists(id: string): Promise<void> {
    if (!(await this.repository.exists(id))) throw notFound(id);
  }

  async list(query: { status?: DeliberationStatus; limit?: number; cursor?: string }) {
    const page = await this.views.list({
      status: query.status,
      limit: query.limit ?? 20,
      cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
    });
    return { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
  }

  async transcript(id: string): Promise<string> {
    return renderTranscript(await this.get(id));
  }

  /** The whole story so far, then live events while a run is going on (here, or in a cluster's worker). */
  async events(id: string): Promise<Observable<DeliberationEvent>> {
    const live = this.hub.live(id);
    if (live) return live;
    const view = await this.get(id);
    if (this.hub.relayed && (view.status === 'queued' || view.status === 'running')) return this.hub.follow(id, () => this.get(id));
    return from(eventsFromView(view, true).map((e, i) => ({ ...e, seq: i + 1 })));
  }

  /**
   * A person's pause: only a queued or running deliberation can be paused (409 names the status otherwise).
   * With `wait`, answers once the run has stopped, with the paused deliberation.
   */
  async pause(id: string, options: { now: boolean; wait: boolean }): Promise<DeliberationView> {
    const view = await this.get(id);
    if (!(await this.runs.pause(id, options.now))) {
      throw new DomainError(
        'conflict',
        'DELIBERATION_NOT_RUNNING',
        `deliberation ${id} is ${view.status}; only a queued or running deliberation can be paused`,
        { status: view.status },
      );
    }
    if (options.wait) await this.runs.whenDone(id);
    return this.get(id);
  }

  async cancel(id: string): Promise<DeliberationView> {
    const view = await this.get(id);
    if (['completed', 'failed', 'cancelled'].includes(view.status)) {
      throw new DomainError('conflict', 'DELIBERATION_FINISHED', `deliberation ${id} is already ${view.status}; nothing to cancel`);
    }
    const now = this.clock.now();
    if (await this.runs.cancel(id)) await this.runs.whenDone(id);
    // Queued, paused or interrupted: nothing is running, so the stored status is changed directly.
    if (await this.repository.transition(id, ['queued', 'paused', 'interrupted'], 'cancelled', now)) {
      this.hub.emit(id, 'cancelled', {}, now);
    }
    return this.get(id);
  }
}
