import { InvalidArgumentError } from 'commander';
import { UsageError } from './exit-codes';

/**
 * Turning the command line into the API's request bodies: pure functions (the context file's text is
 * read by the caller), so every mapping is unit-tested. Values the API would refuse anyway are refused
 * here when the CLI can say it better (exit 2); the rest is left to the API (exit 3 with its message).
 */

/** The stances the API accepts (apps/api/src/deliberations/deliberation.dto.ts ParticipantDto). */
export const STANCES = ['for', 'against', 'neutral'] as const;
export const HISTORY = ['full', 'latest', 'digest'] as const;
export const MEMORY = ['off', 'context', 'reuse'] as const;
export const TIERS = ['fast', 'reasoning', 'auto'] as const;
/** The groupings GET /v1/usage knows (groupBy). */
export const USAGE_BY = ['adapter', 'model', 'day', 'deliberation', 'role'] as const;
export const STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'] as const;

export interface ParticipantSpec {
  adapter: string;
  model?: string;
  stance?: (typeof STANCES)[number];
  role?: string;
}

/**
 * `-p adapter[:stance][:role][@model]`: "claude", "codex:against", "local:security" (a word that is no
 * stance is a role), "claude:for:architect@claude-opus-4-5". The model comes last, after "@", because
 * model names may contain ":" (ollama's "qwen2.5:14b").
 */
export function parseParticipant(spec: string): ParticipantSpec {
  const at = spec.indexOf('@');
  const [head, ...rest] = (at >= 0 ? spec.slice(0, at) : spec).split(':');
  const modelPart = at >= 0 ? spec.slice(at + 1) : undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(head)) {
    throw new InvalidArgumentError(`"${spec}": a participant is adapter[:stance][:role][@model], the adapter a configured name (see conclave adapters)`);
  }
  const participant: ParticipantSpec = { adapter: head };
  for (const part of rest) {
    if (part === '') throw new InvalidArgumentError(`"${spec}": an empty part between ":"`);
    if ((STANCES as readonly string[]).includes(part) && !participant.stance && !participant.role) participant.stance = part as ParticipantSpec['stance'];
    else if (!participant.role) participant.role = part;
    else throw new InvalidArgumentError(`"${spec}": after the adapter, at most a stance (${STANCES.join(', ')}) and a role`);
  }
  if (modelPart !== undefined) {
    if (modelPart === '') throw new InvalidArgumentError(`"${spec}": no model after "@"`);
    participant.model = modelPart;
  }
  return participant;
}

/** commander's accumulator for a repeatable -p. */
export function collectParticipant(spec: string, previous: ParticipantSpec[] = []): ParticipantSpec[] {
  return [...previous, parseParticipant(spec)];
}

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} must be a positive whole number, got "${value}"`);
    return n;
  };
}

export function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number, got "${value}"`);
    return n;
  };
}

/** The options `ask` and `estimate` share, as commander hands them over. */
export interface AskOptions {
  participant?: ParticipantSpec[];
  rounds?: number;
  quick?: boolean;
  maxTokens?: number;
  maxUsd?: number;
  history?: (typeof HISTORY)[number];
  memory?: (typeof MEMORY)[number];
  chair?: string;
  critical?: boolean;
}

/** The body of POST /v1/deliberations (and /estimate): only what was given, so the service's defaults hold. */
export function askBody(question: string, o: AskOptions, context?: string): Record<string, unknown> {
  if (question.trim() === '') throw new UsageError('the question is empty');
  const participants = o.participant ?? [];
  if (participants.length < 2) throw new UsageError('at least two participants are needed, e.g. -p claude -p codex:against');
  if (o.quick && o.rounds !== undefined && o.rounds !== 1) throw new UsageError('--quick is one round; leave out --rounds or give --rounds 1');
  const budget = budgetOf(o);
  return {
    question,
    participants,
    ...(o.quick ? { mode: 'quick' } : {}),
    ...(o.rounds !== undefined ? { maxRounds: o.rounds } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(budget ? { budget } : {}),
    ...(o.history ? { history: o.history } : {}),
    ...(o.memory ? { memory: o.memory } : {}),
    ...(o.chair ? { chair: { adapter: o.chair } } : {}),
    ...(o.critical ? { critical: true } : {}),
  };
}

/** The body of POST /v1/checkpoints/:id/resume. */
export function resumeBody(o: { maxTokens?: number; maxUsd?: number; rounds?: number }): Record<string, unknown> {
  const budget = budgetOf(o);
  return { ...(budget ? { budget } : {}), ...(o.rounds !== undefined ? { maxRounds: o.rounds } : {}) };
}

function budgetOf(o: { maxTokens?: number; maxUsd?: number }): { maxTokens?: number; maxCostUsd?: number } | null {
  if (o.maxTokens === undefined && o.maxUsd === undefined) return null;
  return { ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}), ...(o.maxUsd !== undefined ? { maxCostUsd: o.maxUsd } : {}) };
}

/** The query of GET /v1/usage. Dates are passed as given: the API says what it cannot read. */
export function usageQuery(o: { from?: string; to?: string; by?: string }): string {
  const q = new URLSearchParams();
  if (o.from) q.set('from', o.from);
  if (o.to) q.set('to', o.to);
  q.set('groupBy', o.by ?? 'adapter');
  return q.toString();
}

/** A deliberation or checkpoint id goes into a path: refuse anything that is not a UUID before asking. */
export function uuidArg(what: string): (value: string) => string {
  return (value) => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
      throw new InvalidArgumentError(`${what} must be an id like 3f1c2a9e-…, got "${value}"`);
    return value;
  };
}
