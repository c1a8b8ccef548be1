import { Injectable } from '@nestjs/common';
import { runSql } from '@app/config';
import { DataSource, EntityManager, In } from 'typeorm';
import { BudgetAuditEntity } from './budget-audit.entity';
import { BudgetSettingEntity } from './budget-setting.entity';

export type BudgetAuditEntry = BudgetAuditEntity;
import { BudgetWindowEntity } from './budget-window.entity';

export type BudgetWindowRow = BudgetWindowEntity;
export type BudgetSettingRow = BudgetSettingEntity;

/** The persisted budget windows and their REST-changed limits. */
@Injectable()
export class BudgetWindowRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get windows() {
    return this.dataSource.getRepository(BudgetWindowEntity);
  }

  private get settings() {
    return this.dataSource.getRepository(BudgetSettingEntity);
  }

  /**
   * Tokens per UTC hour since an instant, from the token ledger (the one record of every call): the
   * hourly burn a restarted ledger reads its forecasts' confidence from.
   */
  async hourlyTokens(since: Date): Promise<Array<{ hourStart: number; tokens: number }>> {
    const rows: Array<{ hour: string; tokens: number | string }> = await this.dataSource
      .createQueryBuilder()
      .select('SUBSTR(u.created_at, 1, 13)', 'hour')
      .addSelect('SUM(u.total_tokens)', 'tokens')
      .from('token_usage', 'u')
      .where('u.created_at >= :since', { since: since.toISOString() })
      .groupBy('SUBSTR(u.created_at, 1, 13)')
      .getRawMany();
    return rows.map((r) => ({ hourStart: Date.parse(`${r.hour}:00:00Z`), tokens: Number(r.tokens) }));
  }

  openWindows(): Promise<BudgetWindowRow[]> {
    return this.windows.find({ where: { closed: false }, order: { periodStart: 'ASC' } });
  }

  closedWindows(limit: number): Promise<BudgetWindowRow[]> {
    return this.windows.find({ where: { closed: true }, order: { periodStart: 'DESC', kind: 'ASC' }, take: limit });
  }

  /**
   * Closes the old period and opens the new one together, so a crash never leaves a kind without or with two
   * open windows. Returns the id of the new period's row: `open.id`, or the row another process sharing the
   * database (PostgreSQL) opened for the same period first, which this one then adopts instead of failing on
   * the unique (kind, period_start) index.
   */
  async rollOver(closeIds: string[], open: BudgetWindowRow): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      if (closeIds.length > 0) await manager.update(BudgetWindowEntity, { id: In(closeIds) }, { closed: true });
      await runSql(
        manager,
        `INSERT INTO budget_windows (id, kind, period_start, period_end, limit_tokens, limit_usd_micros, soft_cap, used_tokens,
          used_micros, reserved_tokens, reserved_micros, mid_forecast, closed)
        VALUES (:id, :kind, :periodStart, :periodEnd, :limitTokens, :limitUsdMicros, :softCap, :usedTokens, :usedMicros, 0, 0, :midForecast, :closed)
        ON CONFLICT (kind, period_start) DO NOTHING`,
        {
          id: open.id,
          kind: open.kind,
          periodStart: open.periodStart,
          periodEnd: open.periodEnd,
          limitTokens: open.limitTokens,
          limitUsdMicros: open.limitUsdMicros,
          softCap: open.softCap,
          usedTokens: open.usedTokens,
          usedMicros: open.usedMicros,
          midForecast: open.midForecast ? JSON.stringify(open.midForecast) : null,
          closed: false,
        },
      );
      const row = await manager.findOne(BudgetWindowEntity, { where: { kind: open.kind, periodStart: open.periodStart }, select: { id: true } });
      return row!.id;
    });
  }

  /** Makes an existing row the open window of its kind again (a restart within its period). */
  async adopt(closeIds: string[], id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const others = closeIds.filter((c) => c !== id);
      if (others.length > 0) await manager.update(BudgetWindowEntity, { id: In(others) }, { closed: true });
      await manager.update(BudgetWindowEntity, { id }, { closed: false });
    });
  }

  findByPeriod(kind: string, periodStart: string): Promise<BudgetWindowRow | null> {
    return this.windows.findOne({ where: { kind, periodStart } });
  }

  /**
   * Atomic in the database, so usage is never lost to a read-modify-write race. Plain SQL with bound
   * values (see runSql): this runs after every call, and the query builder wrote the increments into
   * the SQL text, so each call prepared a new statement.
   */
  async addUsage(ids: string[], tokens: number, micros: number, manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (ids.length === 0 || (tokens === 0 && micros === 0)) return;
    // One row at a time, in id order: the order reservations lock the same rows in (BudgetReservationStore),
    // so on PostgreSQL an answer's transaction and a reservation never wait on each other in a cycle.
    for (const id of [...ids].sort((a, b) => a.localeCompare(b))) {
      await runSql(manager, 'UPDATE budget_windows SET used_tokens = used_tokens + :tokens, used_micros = used_micros + :micros WHERE id = :id', {
        tokens,
        micros,
        id,
      });
    }
  }

  async setLimits(id: string, limits: { limitTokens: number | null; limitUsdMicros: number | null; softCap: number }): Promise<void> {
    await this.windows.update({ id }, limits);
  }

  async setMidForecast(id: string, midForecast: NonNullable<BudgetWindowRow['midForecast']>): Promise<void> {
    await this.windows.update({ id }, { midForecast });
  }

  allSettings(): Promise<BudgetSettingRow[]> {
    return this.settings.find();
  }

  async saveSetting(setting: BudgetSettingRow): Promise<void> {
    await this.settings.save(setting);
  }

  async setUsage(id: string, tokens: number, micros: number): Promise<void> {
    await this.windows.update({ id }, { usedTokens: tokens, usedMicros: micros, midForecast: null });
  }

  async addAudit(entry: BudgetAuditEntry): Promise<void> {
    await this.dataSource.getRepository(BudgetAuditEntity).save(entry);
  }

  /** Newest first; with `action`, only those. */
  async audit(limit: number, action?: string): Promise<BudgetAuditEntry[]> {
    return this.dataSource.getRepository(BudgetAuditEntity).find({ where: action ? { action } : {}, order: { createdAt: 'DESC' }, take: limit });
  }
}
