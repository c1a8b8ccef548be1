import type { StartDeliberation } from '@app/deliberation';
import type { MonthlyCap, PerRunCap, RunStatus, SkipReason } from './rules/governance';

/** A schedule as a client creates it (the REST DTO's shape). */
export interface ScheduleInput {
  name: string;
  cron?: string | null;
  everySeconds?: number | null;
  timezone?: string | null;
  /** The create body of POST /v1/deliberations, validated alike. */
  deliberation: StartDeliberation;
  /** Read at every run and given to the deliberation as its context. */
  contextFrom?: ContextFrom | null;
  budget: ScheduleBudget;
  maxConsecutiveFailures?: number;
  enabled?: boolean;
  /** A tick missed while the service was down runs once at start (true) or is recorded as missed (false). */
  catchUp?: boolean;
}

export interface ContextFrom {
  file?: string;
  url?: string;
}

export interface ScheduleBudget {
  perRun: PerRunCap;
  monthly?: MonthlyCap;
}

/** active: ticks run; paused: the schedule stopped itself (pausedReason) until POST /v1/schedules/:id/resume. */
export type ScheduleStatus = 'active' | 'paused';
export type RunTrigger = 'tick' | 'catch_up' | 'manual';

export interface ScheduleView {
  id: string;
  name: string;
  status: ScheduleStatus;
  enabled: boolean;
  cron: string | null;
  everySeconds: number | null;
  timezone: string;
  catchUp: boolean;
  deliberation: StartDeliberation;
  contextFrom: ContextFrom | null;
  budget: ScheduleBudget;
  maxConsecutiveFailures: number;
  pausedReason: string | null;
  pausedAt: string | null;
  lastTickAt: string | null;
  /** When the next tick fires; null when none will (paused, disabled, or schedules.enabled off). */
  nextTickAt: string | null;
  /** What this schedule's runs spent in the current month (its time zone), from their deliberations' figures. */
  monthToDate: { tokens: number; costUsd: number };
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleRunView {
  id: string;
  scheduleId: string;
  trigger: RunTrigger;
  /** The tick it belongs to; null for a manual run. */
  tickAt: string | null;
  status: RunStatus;
  /** Why nothing ran: `budget` (monthly cap or a RED window) or `overlap` (the previous run was still going). */
  skipped: SkipReason | null;
  /** Why it was skipped, missed, failed or paused, in words. */
  reason: string | null;
  deliberationId: string | null;
  outcome: string | null;
  winningOption: string | null;
  tokens: number | null;
  costUsd: number | null;
  createdAt: string;
  finishedAt: string | null;
}

/** What the schedules' event stream (GET /v1/schedules/events) tells. */
export type ScheduleEventType = 'run_started' | 'run_finished' | 'run_skipped' | 'run_missed' | 'schedule_paused' | 'schedule_resumed';

export interface ScheduleEvent {
  type: ScheduleEventType;
  scheduleId: string;
  at: string;
  run?: ScheduleRunView;
  reason?: string;
}
