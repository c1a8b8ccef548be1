import { Injectable } from '@nestjs/common';
import { runSql } from '@app/config';
import { DataSource, EntityManager, In } from 'typeorm';
import { BudgetReservationEntity } from './budget-reservation.entity';
import { BudgetWindowEntity } from './budget-window.entity';

/** A window's counters as the database holds them right now. */
export interface WindowCounters {
  id: string;
  usedTokens: number;
  usedMicros: number;
  reservedTokens: number;
  reservedMicros: number;
}

export interface SharedReservation {
  id: string;
  /** The windows it counts in; `enforce: false` adds to the window without checking its caps (enforcement off). */
  windows: Array<{ id: string; enforce: boolean }>;
  tokens: number;
  micros: number;
  /** Percent of each limit this reservation must leave untouched (budgets.reservePct for a call that is not critical). */
  holdBackPct: number;
  deliberationId: string | null;
  owner: string;
  createdAt: string;
  expiresAt: string;
}

export type SharedReserveResult = { ok: true; windows: WindowCounters[] } | { ok: false; refusedBy: string; windows: WindowCounters[] };

class Refused extends Error {
  constructor(readonly windowId: string) {
    super(`window ${windowId} refused the reservation`);
  }
}

/**
 * Budget reservations with the database as the one authority, for processes sharing a PostgreSQL
 * database. Reserving raises each window's `reserved_*` by a conditional update that matches only while
 * used + reserved + amount stays within the cap, and writes the reservation's rows, all in one
 * transaction: a window that does not match rolls the whole reservation back. Under READ COMMITTED,
 * PostgreSQL re-checks the condition against the row as the previous writer left it, so concurrent
 * reservations from any number of processes can never together pass a cap. Releasing (a settled or
 * unused reservation) deletes its rows and lowers the windows by what each deleted row held, so a
 * reservation is given back at most once, whoever gets there first (its holder, or `reclaimExpired` for a
 * holder presumed dead).
 */
@Injectable()
export class BudgetReservationStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether this is the reservations' authority: PostgreSQL, where several processes may share the database. */
  get shared(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  async reserve(reservation: SharedReservation): Promise<SharedReserveResult> {
    const ids = reservation.windows.map((w) => w.id);
    try {
      const windows = await this.dataSource.transaction(async (manager) => {
        // Rows are always locked in id order (here and in giveBack), so two transactions never wait on each other in a cycle.
        for (const window of [...reservation.windows].sort((a, b) => a.id.localeCompare(b.id))) {
          // Only the units with an amount are checked, as in memory (windowRefusal): a $0 call never hits a USD cap.
          const checks = window.enforce
            ? [
                // x <= limit - ceil(limit × pct / 100) is, for whole x, 100x <= limit × (100 - pct): windowRefusal's rule, in integers.
                ...(reservation.tokens > 0 ? ['(limit_tokens IS NULL OR (used_tokens + reserved_tokens + :tokens) * 100 <= limit_tokens * (100 - :pct))'] : []),
                ...(reservation.micros > 0
                  ? ['(limit_usd_micros IS NULL OR (used_micros + reserved_micros + :micros) * 100 <= limit_usd_micros * (100 - :pct))']
                  : []),
              ]
            : [];
          const matched = await runSql(
            manager,
            `UPDATE budget_windows SET reserved_tokens = reserved_tokens + :tokens, reserved_micros = reserved_micros + :micros
            WHERE id = :id${checks.map((c) => ` AND ${c}`).join('')}`,
            { tokens: reservation.tokens, micros: reservation.micros, pct: reservation.holdBackPct, id: window.id },
          );
          if (matched !== 1) throw new Refused(window.id);
          await runSql(
            manager,
            `INSERT INTO budget_reservations (id, window_id, tokens, micros, deliberation_id, owner, expires_at, created_at)
            VALUES (:id, :windowId, :tokens, :micros, :deliberationId, :owner, :expiresAt, :createdAt)`,
            {
              id: reservation.id,
              windowId: window.id,
              tokens: reservation.tokens,
              micros: reservation.micros,
              deliberationId: reservation.deliberationId,
              owner: reservation.owner,
              expiresAt: reservation.expiresAt,
              createdAt: reservation.createdAt,
            },
          );
        }
        return this.counters(ids, manager);
      });
      return { ok: true, windows };
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      return { ok: false, refusedBy: e.windowId, windows: await this.counters(ids) };
    }
  }

  /** Gives a reservation back (settled or unused). Idempotent: a second release, or one after a reclaim, changes nothing. */
  async release(id: string): Promise<WindowCounters[]> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.getRepository(BudgetReservationEntity).find({ where: { id } });
      await this.giveBack(manager, rows);
      return this.counters(
        rows.map((r) => r.windowId),
        manager,
      );
    });
  }

  /** Gives back every reservation past its expiry (its holder is presumed dead). Returns how many rows it reclaimed. */
  async reclaimExpired(now: Date): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager
        .getRepository(BudgetReservationEntity)
        .createQueryBuilder('r')
        .where('r.expiresAt < :now', { now: now.toISOString() })
        .orderBy('r.expiresAt', 'ASC')
        .take(1000)
        .getMany();
      return this.giveBack(manager, rows);
    });
  }

  async counters(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<WindowCounters[]> {
    if (ids.length === 0) return [];
    const rows = await manager.getRepository(BudgetWindowEntity).find({
      where: { id: In(ids) },
      select: { id: true, usedTokens: true, usedMicros: true, reservedTokens: true, reservedMicros: true },
    });
    return rows.map((r) => ({
      id: r.id,
      usedTokens: r.usedTokens,
      usedMicros: r.usedMicros,
      reservedTokens: r.reservedTokens,
      reservedMicros: r.reservedMicros,
    }));
  }

  /** Deletes each row and lowers its window by what it held, only if this call deleted it (never twice). */
  private async giveBack(manager: EntityManager, rows: BudgetReservationEntity[]): Promise<number> {
    let given = 0;
    for (const row of [...rows].sort((a, b) => a.windowId.localeCompare(b.windowId))) {
      const deleted = await runSql(manager, 'DELETE FROM budget_reservations WHERE id = :id AND window_id = :windowId', { id: row.id, windowId: row.windowId });
      if (deleted !== 1) continue;
      given++;
      await runSql(
        manager,
        `UPDATE budget_windows SET
          reserved_tokens = CASE WHEN reserved_tokens > :tokens THEN reserved_tokens - :tokens ELSE 0 END,
          reserved_micros = CASE WHEN reserved_micros > :micros THEN reserved_micros - :micros ELSE 0 END
        WHERE id = :windowId`,
        { tokens: row.tokens, micros: row.micros, windowId: row.windowId },
      );
    }
    return given;
  }
}
