import type { Cadence } from './rules/cadence';
import type { RunStatus, SkipReason } from './rules/governance';
import type { ScheduleRow, ScheduleRunRow } from './persistence/schedule.repository';
import type { RunTrigger, ScheduleRunView, ScheduleStatus, ScheduleView } from './schedule.types';

export function cadenceOf(row: ScheduleRow): Cadence {
  return row.cron !== null ? { kind: 'cron', expression: row.cron, timezone: row.timezone } : { kind: 'every', seconds: row.everySeconds! };
}

export function scheduleView(row: ScheduleRow, extra: { nextTickAt: string | null; monthToDate: { tokens: number; costUsd: number } }): ScheduleView {
  return {
    id: row.id,
    name: row.name,
    status: row.status as ScheduleStatus,
    enabled: Boolean(row.enabled),
    cron: row.cron,
    everySeconds: row.everySeconds,
    timezone: row.timezone,
    catchUp: Boolean(row.catchUp),
    deliberation: row.deliberation,
    contextFrom: row.contextFrom,
    budget: row.budget,
    maxConsecutiveFailures: row.maxConsecutiveFailures,
    pausedReason: row.pausedReason,
    pausedAt: row.pausedAt,
    lastTickAt: row.lastTickAt,
    nextTickAt: extra.nextTickAt,
    monthToDate: extra.monthToDate,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function runView(row: ScheduleRunRow): ScheduleRunView {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    trigger: row.trigger as RunTrigger,
    tickAt: row.tickAt,
    status: row.status as RunStatus,
    skipped: row.skipped as SkipReason | null,
    reason: row.reason,
    deliberationId: row.deliberationId,
    outcome: row.outcome,
    winningOption: row.winningOption,
    tokens: row.tokens,
    costUsd: row.costUsd,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}
