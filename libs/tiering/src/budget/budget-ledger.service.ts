import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, detached, DomainError, AdapterTier } from '@app/config';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EntityManager } from 'typeorm';
import {
  describeWindow,
  fractionLeft,
  heldForCritical,
  historyEntry,
  reservationTtlMs,
  tierCap,
  toMicros,
  toUsd,
  windowForecast,
  windowRefusal,
  worstThreshold,
} from '../rules/budget-window';
import { bufferedProjection } from '../rules/forecast';
import { assertTimeZone, WINDOW_KINDS, WindowKind, windowBounds } from '../rules/window-bounds';
import { BudgetReservationStore, type WindowCounters } from './budget-reservation.store';
import { BudgetWindowRepository, BudgetWindowRow } from './budget-window.repository';
import type {
  BudgetAmount,
  OpenWindow,
  Reservation,
  ReservationScope,
  ReserveResult,
  ThresholdState,
  WindowHistoryEntry,
  BudgetAuditView,
  Enforcement,
  WindowLimits,
  WindowLimitsUpdate,
  WindowStatus,
} from './budget.types';

const DEFAULT_SOFT_CAP = 0.8;
/** Who holds a reservation row in the shared database: this process. */
const OWNER = `${hostname()}:${process.pid}`.slice(0, 128);
const HOUR_MS = 3_600_000;
/** 31 days and 7 more: a month and a week that began in the month before. */
const KEEP_HOURS = 38 * 24;

/**
 * The budget windows (daily, weekly, monthly): usage, reservations, rollover, status.
 *
 * SQLite (one process): reservations are checked and added synchronously against in-memory counters:
 * with no await between the check and the add, concurrent deliberations on the one Node thread can never
 * together pass a hard cap. PostgreSQL (processes may share it): the database is the authority
 * (BudgetReservationStore: a conditional update and the reservation's rows in one transaction), and the
 * in-memory windows take the database's counters after every reservation and release, so status, zones
 * and tier caps read what every process has spent. Expired reservations (a holder presumed dead) are
 * reclaimed at start and by the minute job. Usage is persisted through one ordered write queue with
 * atomic increments, or in the answer's own transaction; `flush()` waits for the queue.
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
  private enforcement: Enforcement = { enabled: true, reason: null, since: null };
  /** Tokens per UTC hour (start in ms) over the open windows' span: the forecasts' confidence. */
  private readonly hourly = new Map<number, number>();
  private prunedAt = 0;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly repository: BudgetWindowRepository,
    private readonly clock: Clock,
    private readonly reservations: BudgetReservationStore,
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
    // The switch stands as its last audited change left it.
    const [lastSwitch] = await this.repository.audit(1, 'enforcement');
    if (lastSwitch) this.enforcement = { enabled: lastSwitch.detail.enabled === true, reason: lastSwitch.reason, since: lastSwitch.createdAt };
    const now = this.clock.now();
    if (this.reservations.shared) await this.reclaim(now);
    const rows = await this.repository.openWindows();
    // The hourly burn of the longest open span (the month, or a week that began in the month before).
    const earliest = Math.min(...WINDOW_KINDS.map((kind) => windowBounds(kind, now, this.config.budgets.timezone).start.getTime()));
    for (const h of await this.repository.hourlyTokens(new Date(earliest))) this.hourly.set(h.hourStart, h.tokens);
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
        window.id = await this.repository.rollOver(openIds, this.toRow(window));
      }
    }
    // Shared: another process may have opened (and spent in) a window this one adopted.
    if (this.reservations.shared) this.applyCounters(await this.reservations.counters(this.windowsInOrder().map((w) => w.id)));
  }

  /** Rolls windows whose period ended (the scheduled job calls this; every other use does it lazily). */
  async rollover(): Promise<void> {
    await this.init();
    this.refresh(this.clock.now());
    // The minute job, not a read, records mid-window forecasts (a GET of the status writes nothing).
    this.recordMidForecasts(this.clock.now());
    await this.flush();
    if (this.reservations.shared) await this.reclaim(this.clock.now());
    await this.sync();
  }

  private async reclaim(now: Date): Promise<void> {
    const reclaimed = await this.reservations.reclaimExpired(now);
    if (reclaimed === 0) return;
    this.logger.warn(`reclaimed ${reclaimed} expired budget reservation row(s): their holders stopped before releasing them`);
    if (this.open.size > 0) this.applyCounters(await this.reservations.counters(this.windowsInOrder().map((w) => w.id)));
  }

  /**
   * PostgreSQL: the open windows take the database's counters now, so a process that reserved nothing
   * lately (an API process of a cluster, a worker about to plan a round) sees every process's spend.
   * One process on SQLite: its memory is the authority; nothing to do.
   */
  async sync(): Promise<void> {
    this.assertReady();
    if (this.reservations.shared && this.open.size > 0) this.applyCounters(await this.reservations.counters(this.windowsInOrder().map((w) => w.id)));
  }

  /** The status as the database has it now (see sync): what GET /v1/budgets/status answers. */
  async currentStatus(): Promise<WindowStatus[]> {
    await this.sync();
    return this.status();
  }

  /** Waits until everything recorded so far is in the database. */
  async flush(): Promise<void> {
    await this.writes;
  }

  /**
   * Reserves an estimate against every window (and the deliberation's own limit when a scope is
   * given). In memory (SQLite) the check and the add run with no await between them; on PostgreSQL the
   * database decides (see the class comment).
   */
  async reserve(amount: BudgetAmount, scope?: ReservationScope): Promise<ReserveResult> {
    this.assertReady();
    this.refresh(this.clock.now());
    const micros = toMicros(amount.usd);
    if (this.reservations.shared) return (scope && this.scopeRefusal(amount, micros, scope)) || this.reserveShared(amount, micros, scope);
    // With enforcement off the windows refuse nothing; the reservation still counts in them.
    for (const w of this.enforcement.enabled ? this.windowsFor(amount) : []) {
      const refusal = windowRefusal(w, amount.tokens, micros, amount.critical ? 0 : this.config.budgets.reservePct);
      if (refusal) return refusal;
    }
    const overOwn = scope ? this.scopeRefusal(amount, micros, scope) : null;
    if (overOwn) return overOwn;
    if (scope) this.holdScope(scope.deliberationId, amount.tokens, micros);
    const windowIds = {} as Partial<Record<WindowKind, string>>;
    for (const w of this.windowsFor(amount)) {
      w.reservedTokens += amount.tokens;
      w.reservedMicros += micros;
      windowIds[w.kind] = w.id;
    }
    return { ok: true, reservation: this.made(randomUUID(), amount, windowIds, scope) };
  }

  private async reserveShared(amount: BudgetAmount, micros: number, scope?: ReservationScope): Promise<ReserveResult> {
    // Held before the first await, so the deliberation's other calls reserving meanwhile see it.
    if (scope) this.holdScope(scope.deliberationId, amount.tokens, micros);
    try {
      // A rollover's new window row must be in the database before it can be reserved against.
      if (this.queued > 0) await this.flush();
      const windows = this.windowsFor(amount);
      const now = this.clock.now();
      const id = randomUUID();
      // A call that is not critical stops short of the slice held for critical participants, as in memory.
      const reservePct = amount.critical ? 0 : this.config.budgets.reservePct;
      const result = await this.reservations.reserve({
        id,
        windows: windows.map((w) => ({
          id: w.id,
          enforce: this.enforcement.enabled,
          heldTokens: heldForCritical(w.limitTokens, reservePct) ?? 0,
          heldMicros: heldForCritical(w.limitMicros, reservePct) ?? 0,
        })),
        tokens: amount.tokens,
        micros,
        deliberationId: scope?.deliberationId ?? null,
        owner: OWNER,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + reservationTtlMs(this.config)).toISOString(),
      });
      this.applyCounters(result.windows);
      if (!result.ok) {
        if (scope) this.unholdScope(scope.deliberationId, amount.tokens, micros);
        const w = windows.find((x) => x.id === result.refusedBy)!;
        // The database refused; the counters it returned say why (another process may have released since: then as it stood).
        return (
          windowRefusal(w, amount.tokens, micros, reservePct) ??
          (w.limitTokens !== null && amount.tokens > 0
            ? { ok: false, window: w.kind, unit: 'tokens', limit: w.limitTokens, used: w.usedTokens, reserved: w.reservedTokens, needed: amount.tokens }
            : {
                ok: false,
                window: w.kind,
                unit: 'usd',
                limit: toUsd(w.limitMicros ?? 0),
                used: toUsd(w.usedMicros),
                reserved: toUsd(w.reservedMicros),
                needed: amount.usd,
              })
        );
      }
      return { ok: true, reservation: this.made(id, amount, Object.fromEntries(windows.map((w) => [w.kind, w.id])), scope) };
    } catch (e) {
      if (scope) this.unholdScope(scope.deliberationId, amount.tokens, micros);
      throw e;
    }
  }

  private made(id: string, amount: BudgetAmount, windowIds: Partial<Record<WindowKind, string>>, scope?: ReservationScope): Reservation {
    this.live.add(id);
    return {
      id,
      tokens: amount.tokens,
      usd: amount.usd,
      windowIds,
      ...(amount.local ? { local: true } : {}),
      ...(scope ? { deliberationId: scope.deliberationId } : {}),
    };
  }

  /** The deliberation's own limit, with what its calls in flight already hold. */
  private scopeRefusal(amount: BudgetAmount, micros: number, scope: ReservationScope): ReserveResult | null {
    const held = this.scopeReserved.get(scope.deliberationId) ?? { tokens: 0, micros: 0 };
    if (scope.maxTokens !== undefined && amount.tokens > 0 && scope.usedTokens + held.tokens + amount.tokens > scope.maxTokens) {
      return {
        ok: false,
        window: 'deliberation',
        unit: 'tokens',
        limit: scope.maxTokens,
        used: scope.usedTokens,
        reserved: held.tokens,
        needed: amount.tokens,
      };
    }
    if (scope.maxCostUsd !== undefined && micros > 0 && toMicros(scope.usedUsd) + held.micros + micros > toMicros(scope.maxCostUsd)) {
      return {
        ok: false,
        window: 'deliberation',
        unit: 'usd',
        limit: scope.maxCostUsd,
        used: scope.usedUsd,
        reserved: toUsd(held.micros),
        needed: amount.usd,
      };
    }
    return null;
  }

  private holdScope(deliberationId: string, tokens: number, micros: number): void {
    const held = this.scopeReserved.get(deliberationId) ?? { tokens: 0, micros: 0 };
    this.scopeReserved.set(deliberationId, { tokens: held.tokens + tokens, micros: held.micros + micros });
  }

  private unholdScope(deliberationId: string, tokens: number, micros: number): void {
    const held = this.scopeReserved.get(deliberationId);
    if (!held) return;
    const left = { tokens: held.tokens - tokens, micros: held.micros - micros };
    if (left.tokens <= 0 && left.micros <= 0) this.scopeReserved.delete(deliberationId);
    else this.scopeReserved.set(deliberationId, left);
  }

  /** The database's counters onto the open windows they belong to (PostgreSQL: they include every process). */
  private applyCounters(counters: WindowCounters[]): void {
    for (const c of counters) {
      const w = this.windowsInOrder().find((x) => x.id === c.id);
      if (!w) continue;
      w.usedTokens = c.usedTokens;
      w.usedMicros = c.usedMicros;
      w.reservedTokens = c.reservedTokens;
      w.reservedMicros = c.reservedMicros;
    }
  }

  /** Releases a reservation (settled, or for a call that was never made or failed without usage). Idempotent. */
  async release(reservation: Reservation): Promise<void> {
    if (!this.live.delete(reservation.id)) return;
    const micros = toMicros(reservation.usd);
    if (reservation.deliberationId !== undefined) this.unholdScope(reservation.deliberationId, reservation.tokens, micros);
    if (this.reservations.shared) {
      this.applyCounters(await this.reservations.release(reservation.id));
      return;
    }
    for (const w of this.windowsInOrder()) {
      // A window that rolled over since the reservation (or one it did not count in) holds none of it.
      if (reservation.windowIds[w.kind] !== w.id) continue;
      w.reservedTokens = Math.max(0, w.reservedTokens - reservation.tokens);
      w.reservedMicros = Math.max(0, w.reservedMicros - micros);
    }
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
    const windows = this.windowsFor(actual);
    const micros = toMicros(actual.usd);
    // Ids read when the write runs: a queued rollover may adopt another process's row for the new period.
    const ids = () => windows.map((w) => w.id);
    if (this.queued > 0) void this.enqueue(() => this.repository.addUsage(ids(), actual.tokens, micros)).catch(() => undefined);
    else await this.repository.addUsage(ids(), actual.tokens, micros, manager);
    return () => {
      // Shared (PostgreSQL): the windows take the database's counters at the call's release instead, which
      // include this usage (and every other process's); adding it here too would count it twice.
      if (!this.reservations.shared) {
        for (const w of windows) {
          w.usedTokens += actual.tokens;
          w.usedMicros += micros;
        }
      }
      this.addHourly(actual.tokens);
      this.recordMidForecasts(this.clock.now());
    };
  }

  private addUsed(actual: BudgetAmount): { ids: string[]; micros: number } {
    this.assertReady();
    this.refresh(this.clock.now());
    const micros = toMicros(actual.usd);
    const ids: string[] = [];
    for (const w of this.windowsFor(actual)) {
      w.usedTokens += actual.tokens;
      w.usedMicros += micros;
      ids.push(w.id);
    }
    this.addHourly(actual.tokens);
    this.recordMidForecasts(this.clock.now());
    return { ids, micros };
  }

  status(now: Date = this.clock.now()): WindowStatus[] {
    this.assertReady();
    this.refresh(now);
    return this.windowsInOrder().map((w) => describeWindow(w, now, this.config.budgets.zones, this.config.budgets.reservePct, this.hourlySeries(w, now)));
  }

  /** The tightest remaining fraction over every window and unit (reservations count as spent); null when nothing is limited. */
  fractionLeft(): number | null {
    this.assertReady();
    this.refresh(this.clock.now());
    return this.enforcement.enabled ? fractionLeft(this.windowsInOrder()) : null;
  }

  /**
   * The highest projection at reset over the windows' limits, read 20 % worse where the forecast's
   * confidence is low (bursty or too short a burn); null when nothing is limited or enforcement is off.
   */
  forecastFraction(): number | null {
    this.assertReady();
    const now = this.clock.now();
    this.refresh(now);
    if (!this.enforcement.enabled) return null;
    const projections = this.windowsInOrder()
      .map((w) => bufferedProjection(windowForecast(w, now, this.config.budgets.zones, this.hourlySeries(w, now))))
      .filter((f): f is number => f !== null);
    return projections.length > 0 ? Math.max(...projections) : null;
  }

  /** The highest adapter tier the windows allow: T3, T2 once any soft cap is reached, T1 once any hard cap is reached. */
  maxAllowedTier(): AdapterTier {
    this.assertReady();
    this.refresh(this.clock.now());
    return this.enforcement.enabled ? tierCap(this.windowsInOrder()) : 'T3';
  }

  /** Which of the warn / force-fast / pause thresholds the fullest window has crossed. */
  thresholdState(): ThresholdState {
    this.assertReady();
    this.refresh(this.clock.now());
    return worstThreshold(this.enforcement.enabled ? this.windowsInOrder() : [], this.config.budgets.thresholds);
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
    await this.repository.addAudit({
      id: randomUUID(),
      action: 'limits',
      window: kind,
      reason: update.reason ?? 'limits changed',
      detail: {
        before: { tokens: current.limitTokens, usd: current.limitMicros === null ? null : toUsd(current.limitMicros), softCap: current.softCap },
        after: { tokens: next.limitTokens, usd: next.limitMicros === null ? null : toUsd(next.limitMicros), softCap: next.softCap },
      },
      createdAt: this.clock.now().toISOString(),
    });
    return describeWindow(w, this.clock.now(), this.config.budgets.zones, this.config.budgets.reservePct);
  }

  /** Whether the windows' limits are enforced now. */
  enforcing(): Enforcement {
    return { ...this.enforcement };
  }

  /**
   * The global switch (audited with its reason). Off: no window refuses a reservation, forces fast models
   * or pauses a deliberation, while usage, reservations and forecasts still count. A deliberation's own
   * budget is its requester's and stays enforced.
   */
  async setEnforcement(enabled: boolean, reason: string): Promise<Enforcement> {
    await this.init();
    const at = this.clock.now().toISOString();
    await this.repository.addAudit({
      id: randomUUID(),
      action: 'enforcement',
      window: null,
      reason,
      detail: { enabled, before: this.enforcement.enabled },
      createdAt: at,
    });
    this.enforcement = { enabled, reason, since: at };
    return this.enforcing();
  }

  /**
   * A manual reset (audited with its reason and what was used): the open period of a window starts
   * counting from zero again; its bounds, limits and reservations in flight stay.
   */
  async reset(kind: WindowKind, reason: string): Promise<WindowStatus> {
    await this.init();
    this.refresh(this.clock.now());
    const w = this.open.get(kind)!;
    const before = { tokens: w.usedTokens, usd: toUsd(w.usedMicros) };
    w.usedTokens = 0;
    w.usedMicros = 0;
    w.midForecast = null;
    const { id } = w;
    await this.enqueue(() => this.repository.setUsage(id, 0, 0));
    await this.repository.addAudit({
      id: randomUUID(),
      action: 'reset',
      window: kind,
      reason,
      detail: { before, periodStart: w.start.toISOString() },
      createdAt: this.clock.now().toISOString(),
    });
    return describeWindow(w, this.clock.now(), this.config.budgets.zones, this.config.budgets.reservePct);
  }

  /** The budget audit, newest first. */
  async audit(limit = 100): Promise<BudgetAuditView[]> {
    await this.init();
    return (await this.repository.audit(limit)).map((r) => ({
      id: r.id,
      action: r.action as BudgetAuditView['action'],
      window: r.window as WindowKind | null,
      reason: r.reason,
      detail: r.detail,
      at: r.createdAt,
    }));
  }

  /** Past (closed) windows, newest first: a read of their rows once the writes queued so far are in. */
  async history(limit = 100): Promise<WindowHistoryEntry[]> {
    await this.flush();
    return (await this.repository.closedWindows(limit)).map((r) => historyEntry(r, this.config.budgets.zones));
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

  /** The windows an amount counts in: all of them, except a `scope: paid` window for a local (T0) call. */
  private windowsFor(amount: BudgetAmount): OpenWindow[] {
    return this.windowsInOrder().filter((w) => !amount.local || this.config.budgets[w.kind]?.scope !== 'paid');
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
      void this.enqueue(async () => {
        // Another process sharing the database may have opened this period first: its row is the window.
        next.id = await this.repository.rollOver([old.id], this.toRow(next));
        if (this.reservations.shared) this.applyCounters(await this.reservations.counters([next.id]));
      }).catch(() => undefined);
    }
  }

  private recordMidForecasts(now: Date): void {
    for (const w of this.windowsInOrder()) {
      if (w.midForecast) continue;
      const mid = (w.start.getTime() + w.end.getTime()) / 2;
      if (now.getTime() < mid) continue;
      w.midForecast = { ...windowForecast(w, now, this.config.budgets.zones, this.hourlySeries(w, now)), recordedAt: now.toISOString() };
      const { id, midForecast } = w;
      void this.enqueue(() => this.repository.setMidForecast(id, midForecast)).catch(() => undefined);
    }
  }

  private addHourly(tokens: number): void {
    const hour = Math.floor(this.clock.now().getTime() / HOUR_MS) * HOUR_MS;
    this.hourly.set(hour, (this.hourly.get(hour) ?? 0) + tokens);
    // Hours before the longest window (about a month and a week) are never read again; dropped once an hour.
    if (hour === this.prunedAt) return;
    this.prunedAt = hour;
    const oldest = hour - KEEP_HOURS * HOUR_MS;
    for (const h of this.hourly.keys()) if (h < oldest) this.hourly.delete(h);
  }

  /** Tokens in each complete hour of the window so far, oldest first (an hour with no call counts 0). */
  private hourlySeries(w: OpenWindow, now: Date): number[] {
    const series: number[] = [];
    const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    for (let h = Math.ceil(w.start.getTime() / HOUR_MS) * HOUR_MS; h < current; h += HOUR_MS) series.push(this.hourly.get(h) ?? 0);
    return series;
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
      // The row's: 0 on SQLite (reserved in memory only), the reservations in flight of every process on PostgreSQL.
      reservedTokens: r.reservedTokens,
      reservedMicros: r.reservedMicros,
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
      // A new period's row: nothing is reserved in it yet (reservations are added to the row itself).
      reservedTokens: 0,
      reservedMicros: 0,
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
