import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, detached, DomainError, AdapterTier } from '@app/config';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BudgetZone, budgetZone, ThresholdLevel, thresholdLevel } from '../rules/budget-zone';
import { Forecast, forecast, fractionUsedOf } from '../rules/forecast';
import { capTierForBudget } from '../rules/tier-ladder';
import { assertTimeZone, WINDOW_KINDS, WindowKind, windowBounds } from '../rules/window-bounds';
import { BudgetWindowRepository, BudgetWindowRow } from './budget-window.repository';

export type BudgetUnit = 'tokens' | 'usd';

export interface BudgetAmount {
  tokens: number;
  usd: number;
}

/** A deliberation's own limit, checked together with the windows. `used*` are its totals so far. */
export interface ReservationScope {
  deliberationId: string;
  maxTokens?: number;
  maxCostUsd?: number;
  usedTokens: number;
  usedUsd: number;
}

export interface Reservation {
  id: string;
  tokens: number;
  usd: number;
  /** The window rows it was counted against, by kind. */
  windowIds: Record<WindowKind, string>;
  deliberationId?: string;
}

export interface ReservationRefusal {
  ok: false;
  window: WindowKind | 'deliberation';
  unit: BudgetUnit;
  limit: number;
  used: number;
  reserved: number;
  needed: number;
}

export type ReserveResult = { ok: true; reservation: Reservation } | ReservationRefusal;

export interface WindowStatus {
  window: WindowKind;
  limits: { tokens: number | null; usd: number | null };
  softCap: number;
  used: BudgetAmount;
  reserved: BudgetAmount;
  remaining: { tokens: number | null; usd: number | null };
  /** How far used has passed the hard cap (a provider reported more than was reserved); 0 when not. */
  overshoot: BudgetAmount;
  fractionUsed: number | null;
  zone: BudgetZone;
  burnRate: { tokensPerHour: number; usdPerHour: number };
  forecast: Forecast;
  periodStart: string;
  nextReset: string;
}

export interface ThresholdState {
  level: ThresholdLevel;
  /** The window with the largest used fraction, or null when no window has a limit. */
  window: WindowKind | null;
  unit: BudgetUnit | null;
  fractionUsed: number | null;
  limit: number | null;
  used: number | null;
}

export interface WindowHistoryEntry {
  window: WindowKind;
  periodStart: string;
  periodEnd: string;
  limits: { tokens: number | null; usd: number | null };
  softCap: number;
  actual: BudgetAmount;
  fractionUsed: number | null;
  zone: BudgetZone;
  /** The forecast recorded at mid-window, or null when the window was not touched after its midpoint. */
  midForecast: (Forecast & { recordedAt: string }) | null;
  /** Projected minus actual, when a mid-window forecast exists. */
  forecastError: BudgetAmount | null;
}

export interface WindowLimitsUpdate {
  /** A positive integer, null to remove the limit, absent to keep it. */
  tokens?: number | null;
  usd?: number | null;
  softCap?: number;
}

interface OpenWindow {
  id: string;
  kind: WindowKind;
  start: Date;
  end: Date;
  limitTokens: number | null;
  limitMicros: number | null;
  softCap: number;
  usedTokens: number;
  usedMicros: number;
  reservedTokens: number;
  reservedMicros: number;
  midForecast: (Forecast & { recordedAt: string }) | null;
}

interface WindowLimits {
  limitTokens: number | null;
  limitMicros: number | null;
  softCap: number;
}

const DEFAULT_SOFT_CAP = 0.8;
const toMicros = (usd: number): number => Math.round(usd * 1_000_000);
const toUsd = (micros: number): number => micros / 1_000_000;

/**
 * The budget windows (daily, weekly, monthly): usage, reservations, rollover, status.
 *
 * Reservations are checked and added synchronously against in-memory counters: with no await between
 * the check and the add, concurrent deliberations on the one Node thread can never together pass a
 * hard cap. Usage is kept in memory and persisted behind it through one ordered write queue with
 * atomic increments; `flush()` waits for it.
 */
@Injectable()
export class BudgetLedger implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BudgetLedger.name);
  private readonly open = new Map<WindowKind, OpenWindow>();
  private readonly limits = new Map<WindowKind, WindowLimits>();
  private readonly scopeReserved = new Map<string, { tokens: number; micros: number }>();
  private readonly live = new Set<string>();
  private writes: Promise<void> = Promise.resolve();
  /** Writes in the queue not yet done. */
  private queued = 0;
  private ready: Promise<void> | null = null;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly repository: BudgetWindowRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): Promise<void> {
    return this.init();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Loads the settings and the open windows, rolling over any whose period has ended. Idempotent. */
  init(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  private async load(): Promise<void> {
    try {
      assertTimeZone(this.config.budgets.timezone);
    } catch {
      throw new Error(`budgets.timezone "${this.config.budgets.timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin)`);
    }
    for (const kind of WINDOW_KINDS) this.limits.set(kind, this.configLimits(kind));
    for (const s of await this.repository.allSettings()) {
      if ((WINDOW_KINDS as readonly string[]).includes(s.kind)) {
        this.limits.set(s.kind as WindowKind, { limitTokens: s.limitTokens, limitMicros: s.limitUsdMicros, softCap: s.softCap });
      }
    }
    const rows = await this.repository.openWindows();
    const now = this.clock.now();
    for (const kind of WINDOW_KINDS) {
      const bounds = windowBounds(kind, now, this.config.budgets.timezone);
      const openIds = rows.filter((r) => r.kind === kind).map((r) => r.id);
      const current = await this.repository.findByPeriod(kind, bounds.start.toISOString());
      const limits = this.limits.get(kind)!;
      if (current) {
        await this.repository.adopt(openIds, current.id);
        this.open.set(kind, {
          ...this.fromRow(current),
          end: bounds.end,
          ...limits,
        });
        await this.repository.setLimits(current.id, { limitTokens: limits.limitTokens, limitUsdMicros: limits.limitMicros, softCap: limits.softCap });
      } else {
        const window = this.newWindow(kind, bounds.start, bounds.end);
        this.open.set(kind, window);
        await this.repository.rollOver(openIds, this.toRow(window));
      }
    }
  }

  /** Rolls windows whose period ended (the scheduled job calls this; every other use does it lazily). */
  async rollover(): Promise<void> {
    await this.init();
    this.refresh(this.clock.now());
    await this.flush();
  }

  /** Waits until everything recorded so far is in the database. */
  async flush(): Promise<void> {
    await this.writes;
  }

  /**
   * Reserves an estimate against every window (and the deliberation's own limit when a scope is
   * given). Synchronous on purpose: see the class comment.
   */
  // A unit the call does not spend (a local model's USD) always fits: reserving nothing crosses no cap,
  // even one already passed, which is what lets local models go on when the money has run out.
  reserve(amount: BudgetAmount, scope?: ReservationScope): ReserveResult {
    this.assertReady();
    this.refresh(this.clock.now());
    const micros = toMicros(amount.usd);
    for (const w of this.windowsInOrder()) {
      if (w.limitTokens !== null && amount.tokens > 0 && w.usedTokens + w.reservedTokens + amount.tokens > w.limitTokens) {
        return { ok: false, window: w.kind, unit: 'tokens', limit: w.limitTokens, used: w.usedTokens, reserved: w.reservedTokens, needed: amount.tokens };
      }
      if (w.limitMicros !== null && micros > 0 && w.usedMicros + w.reservedMicros + micros > w.limitMicros) {
        return {
          ok: false,
          window: w.kind,
          unit: 'usd',
          limit: toUsd(w.limitMicros),
          used: toUsd(w.usedMicros),
          reserved: toUsd(w.reservedMicros),
          needed: amount.usd,
        };
      }
    }
    if (scope) {
      const held = this.scopeReserved.get(scope.deliberationId) ?? { tokens: 0, micros: 0 };
      if (scope.maxTokens !== undefined && amount.tokens > 0 && scope.usedTokens + held.tokens + amount.tokens > scope.maxTokens) {
        return { ok: false, window: 'deliberation', unit: 'tokens', limit: scope.maxTokens, used: scope.usedTokens, reserved: held.tokens, needed: amount.tokens };
      }
      if (scope.maxCostUsd !== undefined && micros > 0 && toMicros(scope.usedUsd) + held.micros + micros > toMicros(scope.maxCostUsd)) {
        return { ok: false, window: 'deliberation', unit: 'usd', limit: scope.maxCostUsd, used: scope.usedUsd, reserved: toUsd(held.micros), needed: amount.usd };
      }
      this.scopeReserved.set(scope.deliberationId, { tokens: held.tokens + amount.tokens, micros: held.micros + micros });
    }
    const windowIds = {} as Record<WindowKind, string>;
    for (const w of this.windowsInOrder()) {
      w.reservedTokens += amount.tokens;
      w.reservedMicros += micros;
      windowIds[w.kind] = w.id;
    }
    const reservation: Reservation = {
      id: randomUUID(),
      tokens: amount.tokens,
      usd: amount.usd,
      windowIds,
      ...(scope ? { deliberationId: scope.deliberationId } : {}),
    };
    this.live.add(reservation.id);
    return { ok: true, reservation };
  }

  /** Releases a reservation for a call that was never made (or failed without usage). Idempotent. */
  release(reservation: Reservation): void {
    if (!this.live.delete(reservation.id)) return;
    const micros = toMicros(reservation.usd);
    for (const w of this.windowsInOrder()) {
      // A window that rolled over since the reservation holds none of it.
      if (reservation.windowIds[w.kind] !== w.id) continue;
      w.reservedTokens = Math.max(0, w.reservedTokens - reservation.tokens);
      w.reservedMicros = Math.max(0, w.reservedMicros - micros);
    }
    if (reservation.deliberationId !== undefined) {
      const held = this.scopeReserved.get(reservation.deliberationId);
      if (held) {
        const left = { tokens: held.tokens - reservation.tokens, micros: held.micros - micros };
        if (left.tokens <= 0 && left.micros <= 0) this.scopeReserved.delete(reservation.deliberationId);
        else this.scopeReserved.set(reservation.deliberationId, left);
      }
    }
  }

  /**
   * Replaces a reservation with the call's real usage. The usage counts in the windows open now (a call
   * that straddled a rollover is billed to the new period). Resolves once persisted.
   */
  settle(reservation: Reservation, actual: BudgetAmount): Promise<void> {
    this.release(reservation);
    return this.record(actual);
  }

  /** Adds usage that had no reservation (e.g. a call made outside the guard). */
  record(actual: BudgetAmount): Promise<void> {
    const { ids, micros } = this.addUsed(actual);
    return this.enqueue(() => this.repository.addUsage(ids, actual.tokens, micros));
  }

  /**
   * Writes a call's usage in the caller's transaction (the one storing the call's answer and ledger row,
   * so the windows' totals commit with them: one commit per answer) and returns what applies it in memory,
   * for the caller to run once that transaction has committed (a rolled-back answer counts nowhere). When
   * window writes are still queued (a rollover creating the row this would update), the write goes behind
   * them instead, so no increment lands on a row not written yet.
   */
  async recordWithin(manager: EntityManager, actual: BudgetAmount): Promise<() => void> {
    this.assertReady();
    this.refresh(this.clock.now());
    const windows = this.windowsInOrder();
    const ids = windows.map((w) => w.id);
    const micros = toMicros(actual.usd);
    if (this.queued > 0) void this.enqueue(() => this.repository.addUsage(ids, actual.tokens, micros)).catch(() => undefined);
    else await this.repository.addUsage(ids, actual.tokens, micros, manager);
    return () => {
      for (const w of windows) {
        w.usedTokens += actual.tokens;
        w.usedMicros += micros;
      }
      this.recordMidForecasts(this.clock.now());
    };
  }

  private addUsed(actual: BudgetAmount): { ids: string[]; micros: number } {
    this.assertReady();
    this.refresh(this.clock.now());
    const micros = toMicros(actual.usd);
    const ids: string[] = [];
    for (const w of this.windowsInOrder()) {
      w.usedTokens += actual.tokens;
      w.usedMicros += micros;
      ids.push(w.id);
    }
    this.recordMidForecasts(this.clock.now());
    return { ids, micros };
  }

  status(now: Date = this.clock.now()): WindowStatus[] {
    this.assertReady();
    this.refresh(now);
    this.recordMidForecasts(now);
    return this.windowsInOrder().map((w) => this.describe(w, now));
  }

  /** The tightest remaining fraction over every window and unit (reservations count as spent); null when nothing is limited. */
  fractionLeft(): number | null {
    this.assertReady();
    this.refresh(this.clock.now());
    const left: number[] = [];
    for (const w of this.windowsInOrder()) {
      if (w.limitTokens !== null) left.push((w.limitTokens - w.usedTokens - w.reservedTokens) / w.limitTokens);
      if (w.limitMicros !== null) left.push((w.limitMicros - w.usedMicros - w.reservedMicros) / w.limitMicros);
    }
    return left.length > 0 ? Math.min(1, Math.max(0, Math.min(...left))) : null;
  }

  /** The highest adapter tier the windows allow: T3, T2 once any soft cap is reached, T1 once any hard cap is reached. */
  maxAllowedTier(): AdapterTier {
    this.assertReady();
    this.refresh(this.clock.now());
    return capTierForBudget(
      this.windowsInOrder().map((w) => {
        const fraction = fractionUsedOf({ tokens: w.usedTokens, usd: w.usedMicros }, { tokens: w.limitTokens, usd: w.limitMicros });
        return {
          softCapReached: fraction !== null && fraction >= w.softCap,
          hardCapReached: (w.limitTokens !== null && w.usedTokens >= w.limitTokens) || (w.limitMicros !== null && w.usedMicros >= w.limitMicros),
        };
      }),
    );
  }

  /** Which of the warn / force-fast / pause thresholds the fullest window has crossed. */
  thresholdState(): ThresholdState {
    this.assertReady();
    this.refresh(this.clock.now());
    let worst: ThresholdState = { level: 'ok', window: null, unit: null, fractionUsed: null, limit: null, used: null };
    for (const w of this.windowsInOrder()) {
      const candidates: Array<[BudgetUnit, number, number]> = [];
      if (w.limitTokens !== null) candidates.push(['tokens', w.limitTokens, w.usedTokens]);
      if (w.limitMicros !== null) candidates.push(['usd', toUsd(w.limitMicros), toUsd(w.usedMicros)]);
      for (const [unit, limit, used] of candidates) {
        const fraction = used / limit;
        if (worst.fractionUsed === null || fraction > worst.fractionUsed) {
          worst = { level: thresholdLevel(fraction, this.config.budgets.thresholds), window: w.kind, unit, fractionUsed: fraction, limit, used };
        }
      }
    }
    return worst;
  }

  /** Changes a window's limits; they win over the config, persist, and apply to the open period at once. */
  async updateWindow(kind: WindowKind, update: WindowLimitsUpdate): Promise<WindowStatus> {
    await this.init();
    const current = this.limits.get(kind)!;
    const next: WindowLimits = {
      limitTokens: update.tokens === undefined ? current.limitTokens : update.tokens,
      limitMicros: update.usd === undefined ? current.limitMicros : update.usd === null ? null : toMicros(update.usd),
      softCap: update.softCap ?? current.softCap,
    };
    const positiveCount = (n: number | null) => n === null || (Number.isSafeInteger(n) && n > 0);
    if (!positiveCount(next.limitTokens) || !positiveCount(next.limitMicros)) {
      throw new DomainError('invalid', 'BUDGET_LIMIT_INVALID', 'tokens must be a positive integer and usd a positive number, or null to remove the limit', {
        window: kind,
      });
    }
    if (!(next.softCap >= 0 && next.softCap <= 1)) {
      throw new DomainError('invalid', 'BUDGET_SOFT_CAP_INVALID', 'softCap must be a fraction between 0 and 1', { window: kind });
    }
    this.limits.set(kind, next);
    this.refresh(this.clock.now());
    const w = this.open.get(kind)!;
    Object.assign(w, next);
    await this.repository.saveSetting({
      kind,
      limitTokens: next.limitTokens,
      limitUsdMicros: next.limitMicros,
      softCap: next.softCap,
      updatedAt: this.clock.now().toISOString(),
    });
    await this.enqueue(() => this.repository.setLimits(w.id, { limitTokens: next.limitTokens, limitUsdMicros: next.limitMicros, softCap: next.softCap }));
    return this.describe(w, this.clock.now());
  }

  /** Past (closed) windows, newest first: what was used against the limit, and the mid-window forecast against the actual. */
  async history(limit = 100): Promise<WindowHistoryEntry[]> {
    await this.flush();
    const rows = await this.repository.closedWindows(limit);
    return rows.map((r) => {
      const actual = { tokens: r.usedTokens, usd: toUsd(r.usedMicros) };
      const fraction = fractionUsedOf({ tokens: r.usedTokens, usd: r.usedMicros }, { tokens: r.limitTokens, usd: r.limitUsdMicros });
      return {
        window: r.kind as WindowKind,
        periodStart: r.periodStart,
        periodEnd: r.periodEnd,
        limits: { tokens: r.limitTokens, usd: r.limitUsdMicros === null ? null : toUsd(r.limitUsdMicros) },
        softCap: r.softCap,
        actual,
        fractionUsed: fraction,
        zone: budgetZone(fraction, this.config.budgets.zones),
        midForecast: r.midForecast,
        forecastError: r.midForecast
          ? { tokens: r.midForecast.projectedTokens - actual.tokens, usd: Math.round((r.midForecast.projectedUsd - actual.usd) * 1e6) / 1e6 }
          : null,
      };
    });
  }

  private configLimits(kind: WindowKind): WindowLimits {
    const c = this.config.budgets[kind];
    return {
      limitTokens: c?.tokens ?? null,
      limitMicros: c?.usd === undefined ? null : toMicros(c.usd),
      softCap: c?.softCap ?? DEFAULT_SOFT_CAP,
    };
  }

  private assertReady(): void {
    if (this.open.size !== WINDOW_KINDS.length) throw new Error('BudgetLedger used before init() completed');
  }

  private windowsInOrder(): OpenWindow[] {
    return WINDOW_KINDS.map((k) => this.open.get(k)!);
  }

  /** Lazy rollover: synchronous in memory (reservations stay exact), persisted through the write queue. */
  private refresh(now: Date): void {
    for (const kind of WINDOW_KINDS) {
      const old = this.open.get(kind);
      if (!old || now.getTime() < old.end.getTime()) continue;
      const bounds = windowBounds(kind, now, this.config.budgets.timezone);
      const next = this.newWindow(kind, bounds.start, bounds.end);
      this.open.set(kind, next);
      this.logger.log(`budget window ${kind} rolled over: ${old.start.toISOString()} → ${next.start.toISOString()}`);
      void this.enqueue(() => this.repository.rollOver([old.id], this.toRow(next))).catch(() => undefined);
    }
  }

  private recordMidForecasts(now: Date): void {
    for (const w of this.windowsInOrder()) {
      if (w.midForecast) continue;
      const mid = (w.start.getTime() + w.end.getTime()) / 2;
      if (now.getTime() < mid) continue;
      w.midForecast = { ...this.forecastOf(w, now), recordedAt: now.toISOString() };
      const { id, midForecast } = w;
      void this.enqueue(() => this.repository.setMidForecast(id, midForecast)).catch(() => undefined);
    }
  }

  private forecastOf(w: OpenWindow, now: Date): Forecast {
    return forecast({
      usedTokens: w.usedTokens,
      usedUsd: toUsd(w.usedMicros),
      limitTokens: w.limitTokens,
      limitUsd: w.limitMicros === null ? null : toUsd(w.limitMicros),
      start: w.start,
      end: w.end,
      now,
      zones: this.config.budgets.zones,
    });
  }

  private describe(w: OpenWindow, now: Date): WindowStatus {
    const f = this.forecastOf(w, now);
    const fraction = fractionUsedOf({ tokens: w.usedTokens, usd: w.usedMicros }, { tokens: w.limitTokens, usd: w.limitMicros });
    return {
      window: w.kind,
      limits: { tokens: w.limitTokens, usd: w.limitMicros === null ? null : toUsd(w.limitMicros) },
      softCap: w.softCap,
      used: { tokens: w.usedTokens, usd: toUsd(w.usedMicros) },
      reserved: { tokens: w.reservedTokens, usd: toUsd(w.reservedMicros) },
      remaining: {
        tokens: w.limitTokens === null ? null : Math.max(0, w.limitTokens - w.usedTokens - w.reservedTokens),
        usd: w.limitMicros === null ? null : toUsd(Math.max(0, w.limitMicros - w.usedMicros - w.reservedMicros)),
      },
      overshoot: {
        tokens: w.limitTokens === null ? 0 : Math.max(0, w.usedTokens - w.limitTokens),
        usd: w.limitMicros === null ? 0 : toUsd(Math.max(0, w.usedMicros - w.limitMicros)),
      },
      fractionUsed: fraction,
      zone: budgetZone(fraction, this.config.budgets.zones),
      burnRate: { tokensPerHour: f.tokensPerHour, usdPerHour: f.usdPerHour },
      forecast: f,
      periodStart: w.start.toISOString(),
      nextReset: w.end.toISOString(),
    };
  }

  private newWindow(kind: WindowKind, start: Date, end: Date): OpenWindow {
    return {
      id: randomUUID(),
      kind,
      start,
      end,
      ...this.limits.get(kind)!,
      usedTokens: 0,
      usedMicros: 0,
      reservedTokens: 0,
      reservedMicros: 0,
      midForecast: null,
    };
  }

  private fromRow(r: BudgetWindowRow): OpenWindow {
    return {
      id: r.id,
      kind: r.kind as WindowKind,
      start: new Date(r.periodStart),
      end: new Date(r.periodEnd),
      limitTokens: r.limitTokens,
      limitMicros: r.limitUsdMicros,
      softCap: r.softCap,
      usedTokens: r.usedTokens,
      usedMicros: r.usedMicros,
      reservedTokens: 0,
      reservedMicros: 0,
      midForecast: r.midForecast,
    };
  }

  private toRow(w: OpenWindow): BudgetWindowRow {
    return {
      id: w.id,
      kind: w.kind,
      periodStart: w.start.toISOString(),
      periodEnd: w.end.toISOString(),
      limitTokens: w.limitTokens,
      limitUsdMicros: w.limitMicros,
      softCap: w.softCap,
      usedTokens: w.usedTokens,
      usedMicros: w.usedMicros,
      midForecast: w.midForecast,
      closed: false,
    };
  }

  /** Runs database writes one after another; a failure is logged and rejects only its own caller. */
  private enqueue(write: () => Promise<void>): Promise<void> {
    this.queued++;
    // Queued writes are not part of whatever transaction enqueued them: they run after it, outside its scope.
    const result = this.writes.then(() => detached(write)).finally(() => this.queued--);
    this.writes = result.catch((e: unknown) => {
      this.logger.error(`budget write failed: ${(e as Error).message}`, (e as Error).stack);
    });
    return result;
  }
}
