import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, type ConclaveConfig } from '@app/config';
import { AdapterError } from '../adapter.types';
import {
  admit,
  breakerState,
  CLOSED,
  outcomeOfFailure,
  recordOutcome,
  type Breaker,
  type BreakerSettings,
  type BreakerState,
  type CallOutcome,
} from '../rules/circuit-breaker';

/** What GET /v1/adapters shows of an adapter's breaker. */
export interface BreakerView {
  state: BreakerState;
  consecutiveFailures: number;
  /** When it last opened (ISO-8601); null while closed. */
  openedAt: string | null;
  /** When an open breaker lets its trial call through; null unless open. */
  reopensAt: string | null;
}

/**
 * The breakers of every adapter, in memory (a restart closes them all: the first calls find out again).
 * Calls go through `guard`; planning asks `state` to move participants off an open adapter before calling.
 */
@Injectable()
export class CircuitBreakers {
  private readonly logger = new Logger(CircuitBreakers.name);
  private readonly breakers = new Map<string, Breaker>();
  private readonly settings: BreakerSettings;

  constructor(
    @Inject(CONCLAVE_CONFIG) config: ConclaveConfig,
    private readonly clock: Clock,
  ) {
    this.settings = config.circuitBreaker;
  }

  state(adapter: string): BreakerState {
    return breakerState(this.get(adapter), this.now(), this.settings);
  }

  view(adapter: string): BreakerView {
    const b = this.get(adapter);
    const state = breakerState(b, this.now(), this.settings);
    return {
      state,
      consecutiveFailures: b.consecutiveFailures,
      openedAt: b.state === 'closed' || b.openedAt === null ? null : new Date(b.openedAt).toISOString(),
      reopensAt: state === 'open' && b.openedAt !== null ? new Date(b.openedAt + this.settings.coolDownMs).toISOString() : null,
    };
  }

  /**
   * Runs one call of `adapter` through its breaker: refused at once while open (or while the half-open
   * trial is out), and its outcome recorded. `refused` builds the error a refused call throws.
   */
  async guard<T>(adapter: string, call: () => Promise<T>, refused: () => Error): Promise<T> {
    const admitted = admit(this.get(adapter), this.now(), this.settings);
    if (!admitted.admitted) throw refused();
    this.breakers.set(adapter, admitted.next);
    let outcome: CallOutcome = 'neutral';
    try {
      const result = await call();
      outcome = 'success';
      return result;
    } catch (e) {
      outcome = e instanceof AdapterError ? outcomeOfFailure(e.kind, e.options.status) : 'neutral';
      throw e;
    } finally {
      this.record(adapter, outcome);
    }
  }

  private record(adapter: string, outcome: CallOutcome): void {
    const before = this.get(adapter);
    const after = recordOutcome(before, outcome, this.now(), this.settings);
    this.breakers.set(adapter, after);
    if (after.state === 'open' && after.openedAt !== before.openedAt) {
      this.logger.warn(
        { adapter, consecutiveFailures: after.consecutiveFailures, coolDownMs: this.settings.coolDownMs },
        `adapter ${adapter}: circuit breaker open after ${after.consecutiveFailures} transport failures in a row`,
      );
    } else if (after.state === 'closed' && before.state !== 'closed') {
      this.logger.log({ adapter }, `adapter ${adapter}: circuit breaker closed again`);
    }
  }

  private get(adapter: string): Breaker {
    return this.breakers.get(adapter) ?? CLOSED;
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
