import request from 'supertest';
import { startProviderServer, type ProviderCall, type ProviderReply, type ProviderServer } from '../fixtures/provider-server';

/**
 * Scripted participants for e2e tests of budgets, tiers and checkpoints: ONE loopback provider (openai
 * wire) shared by every adapter, whose answer depends on the round and on who is asking, both read from
 * the prompt the engine built (the participant by its stance, so tests give each participant its own).
 * Unlike scripted-providers.ts (one server per participant), a participant stays recognisable when the
 * tier policy moves it to another adapter or model.
 */

export type Stance = 'for' | 'against' | 'neutral';

export interface ScriptedCall {
  /** The deliberation round, from the prompt's "This is round N" line. */
  round: number;
  /** The participant's stance, from its stance line (tests give each participant its own). */
  stance: Stance;
  /** The participant's role, when it has one. */
  role: string | undefined;
  model: string;
  call: ProviderCall;
}

export function roundOf(prompt: string): number {
  const m = /This is round (\d+) of the deliberation/.exec(prompt);
  if (!m) throw new Error(`no round in prompt: ${prompt.slice(0, 120)}`);
  return Number(m[1]);
}

export function stanceOf(prompt: string): Stance {
  if (prompt.includes('Your assigned stance: FOR.')) return 'for';
  if (prompt.includes('Your assigned stance: AGAINST.')) return 'against';
  if (prompt.includes('Your stance: NEUTRAL.')) return 'neutral';
  throw new Error(`no stance in prompt: ${prompt.slice(0, 120)}`);
}

export function roleOf(prompt: string): string | undefined {
  return /Your role in this deliberation: ([^.\n]+)\./.exec(prompt)?.[1];
}

/** An answer ending with a valid vote line. */
export function answer(text: string, option: string, continueDebate = true, confidence = 0.8): string {
  return `${text}\n\nVOTE: ${JSON.stringify({ option, confidence, rationale: `because of ${option}`, continue_debate: continueDebate })}`;
}

const STEMS: Record<Stance, string> = {
  for: 'Webhooks cut wasted polling calls, lower status latency, and an inbox table with idempotent consumers keeps retries harmless while nightly reconciliation catches lost events.',
  against:
    'Polling stays predictable under processor incidents, keeps rate control on our side, and avoids exposing a public endpoint that attackers could probe or flood.',
  neutral:
    'Both designs can work; the deciding factors are operational maturity, signature verification, alerting on lag, and a staged rollout with shadow traffic first.',
};
const EXTRAS = [
  'alpha bravo charlie delta echo',
  'foxtrot golf hotel india juliet',
  'kilo lima mike november oscar',
  'papa quebec romeo sierra tango',
  'uniform victor whiskey xray yankee',
];

/**
 * Prose per participant and round: a stable stem plus a round-specific tail, so consecutive answers of
 * one participant score about 0.79 (TF-IDF): "refining", never converged (0.85) nor diverging (0.40).
 */
export function prose(stance: Stance, round: number): string {
  return `${STEMS[stance]} Round ${round} adds ${EXTRAS[round % EXTRAS.length]} ${stance}${round}.`;
}

export interface ScriptedProvider {
  server: ProviderServer;
  baseUrl: string;
  /** Every call as the script saw it. */
  seen: ScriptedCall[];
  close(): Promise<void>;
}

export async function startScriptedProvider(script: (c: ScriptedCall) => ProviderReply | Promise<ProviderReply>): Promise<ScriptedProvider> {
  const seen: ScriptedCall[] = [];
  const server = await startProviderServer({
    wire: 'openai',
    respond: (call) => {
      const c: ScriptedCall = { round: roundOf(call.prompt), stance: stanceOf(call.prompt), role: roleOf(call.prompt), model: call.model, call };
      seen.push(c);
      return script(c);
    },
  });
  return { server, baseUrl: server.baseUrl, seen, close: () => server.close() };
}

/** An http adapter on the scripted provider. */
export function httpAdapter(
  provider: { baseUrl: string },
  name: string,
  tier: 'T0' | 'T1' | 'T2' | 'T3',
  models: { fast: string; reasoning: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, kind: 'http', provider: 'openai', baseUrl: provider.baseUrl, tier, models, timeoutMs: 10_000, maxRetries: 0, concurrency: 64, ...extra };
}

export const THREE_STANCES: Stance[] = ['for', 'against', 'neutral'];

export const TERMINAL = ['completed', 'failed', 'cancelled', 'paused', 'interrupted'];

/** Polls GET /v1/deliberations/:id until its status is one of `statuses`; fails with the last state after the deadline. */
export async function waitForStatus(url: string, id: string, statuses: string[] = TERMINAL, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  for (;;) {
    const res = await request(url).get(`/v1/deliberations/${id}`);
    last = res.body;
    if (res.status === 200 && statuses.includes(last.status)) return last;
    if (Date.now() > deadline)
      throw new Error(`deliberation ${id} did not reach ${statuses.join('|')} within ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SseEvent {
  type: string;
  data: any;
}

/**
 * Reads a deliberation's SSE stream until a terminal event (or the deadline), and returns every event.
 * The connection is always closed.
 */
export async function readEvents(url: string, id: string, timeoutMs = 10_000, onEvent?: (event: SseEvent) => void): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(`${url}/v1/deliberations/${id}/events`, { signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = chunk.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const event = JSON.parse(data.slice(6)) as SseEvent;
        events.push(event);
        onEvent?.(event);
        if (TERMINAL.includes(event.type)) {
          await reader.cancel();
          return events;
        }
      }
    }
    return events;
  } catch (e) {
    if (controller.signal.aborted) throw new Error(`events of ${id}: no terminal event within ${timeoutMs} ms; got ${events.map((e2) => e2.type).join(', ')}`);
    throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** A promise released from outside: holds a scripted call (or a test step) until the test says so. */
export function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

/** Polls `check` every 50 ms until it gives a value, or fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
