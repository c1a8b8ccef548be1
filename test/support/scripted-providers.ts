import { startProviderServer, type ProviderCall, type ProviderReply, type ProviderServer, type ProviderWire } from '../fixtures/provider-server';

/**
 * Participants scripted per round, on top of test/fixtures/provider-server.ts: one loopback provider
 * server (and one configured adapter) per participant, so every call a server sees belongs to one
 * participant, and the round is read from the prompt the engine sent.
 *
 *   const panel = await startPanel([
 *     { name: 'alpha', script: [turn('We should adopt webhooks.', vote('Webhooks')), turn('Still webhooks.', vote('Webhooks', { continueDebate: false }))] },
 *     { name: 'beta', wire: 'anthropic', script: (round) => turn(`Round ${round}: keep polling.`, vote('Polling'), { usage: { input: 100, output: 20 } }) },
 *   ]);
 *   const t = await startTestApp({ adapters: panel.adapters });
 *   await request(t.url).post('/v1/deliberations').send({ question: 'Q?', participants: panel.participants() });
 *   ...
 *   await t.close();
 *   await panel.close();
 *
 * API
 * - `startPanel(specs)` → `ScriptedPanel`. Each spec: `name` (adapter name), `script`, and optionally
 *   `wire` ('openai' default | 'anthropic' | 'ollama' | 'gemini'), `models` ({ fast, reasoning }, a
 *   priced default per wire, see DEFAULT_MODELS), `tier` (the adapter's T0–T3, default 'T2') and
 *   `adapter` (extra adapter config merged last: timeoutMs, maxRetries, concurrency, contextTokens...;
 *   defaults timeoutMs 5000, maxRetries 0).
 * - A `script` is either an array of turns (index 0 = round 1; rounds past the end repeat the last turn)
 *   or a function `(round, call) => Turn | Promise<Turn>`.
 * - A `Turn` is a ProviderReply (text, usage, delayMs, status, hang, rawBody, ...) plus `vote`: when set,
 *   the vote line is appended to `text`; `null` or absent appends nothing. `usage` defaults to
 *   { input: 100, output: 20 }; pass `usage: null` for a reply without usage (the adapter estimates).
 * - `turn(text, vote?, extra?)` builds a Turn; `vote(option, { confidence, rationale, continueDebate })`
 *   builds a VoteSpec (confidence 0.8, continueDebate true by default); `voteLine(spec)` is the line itself.
 * - `roundOf(call)` is the round a call belongs to, read from the prompt ("This is round N ..."); it
 *   throws when the prompt names none, so a change of the prompt templates fails loudly here.
 * - On the panel: `adapters` (pass as the config's `adapters`), `participants(extra?)` (the POST body's
 *   participants, one per spec in order; `extra` is merged into each, or give an array for one each),
 *   `server(name)`, `calls(name)` (every call that server received, in order), `callsInRound(name, round)`,
 *   `totalCalls()` and `close()` (closes every server, hung connections included).
 */

export interface VoteSpec {
  option: string;
  confidence?: number;
  rationale?: string;
  continueDebate?: boolean;
}

export interface Turn extends ProviderReply {
  vote?: VoteSpec | null;
}

export type TurnScript = readonly Turn[] | ((round: number, call: ProviderCall) => Turn | Promise<Turn>);

export interface ScriptedParticipantSpec {
  name: string;
  script: TurnScript;
  wire?: ProviderWire;
  models?: { fast: string; reasoning: string };
  tier?: 'T0' | 'T1' | 'T2' | 'T3';
  adapter?: Record<string, unknown>;
}

export interface ScriptedPanel {
  adapters: Array<Record<string, unknown>>;
  participants(extra?: Record<string, unknown> | Array<Record<string, unknown>>): Array<Record<string, unknown>>;
  server(name: string): ProviderServer;
  calls(name: string): ProviderCall[];
  callsInRound(name: string, round: number): ProviderCall[];
  totalCalls(): number;
  close(): Promise<void>;
}

/** Models with a shipped price, per wire; the HTTP provider each wire is configured as. */
export const DEFAULT_MODELS: Record<ProviderWire, { fast: string; reasoning: string }> = {
  openai: { fast: 'gpt-5-mini', reasoning: 'gpt-5' },
  anthropic: { fast: 'claude-haiku-4-5', reasoning: 'claude-sonnet-4-6' },
  ollama: { fast: 'llama3.2', reasoning: 'qwen3' },
  gemini: { fast: 'gemini-2.5-flash', reasoning: 'gemini-2.5-pro' },
  'openai-responses': { fast: 'gpt-5-mini', reasoning: 'gpt-5' },
};

export const DEFAULT_USAGE = { input: 100, output: 20 } as const;

export function vote(option: string, options: Omit<VoteSpec, 'option'> = {}): VoteSpec {
  return { option, ...options };
}

export function voteLine(spec: VoteSpec): string {
  return `VOTE: ${JSON.stringify({
    option: spec.option,
    confidence: spec.confidence ?? 0.8,
    rationale: spec.rationale ?? `I support ${spec.option}.`,
    continue_debate: spec.continueDebate ?? true,
  })}`;
}

export function turn(text: string, voteSpec?: VoteSpec | null, extra: Omit<Turn, 'text' | 'vote'> = {}): Turn {
  return { text, vote: voteSpec ?? null, ...extra };
}

export function roundOf(call: Pick<ProviderCall, 'prompt'>): number {
  const match = /This is round (\d+) of the deliberation/.exec(call.prompt);
  if (!match) throw new Error(`scripted-providers: no round in the prompt: ${call.prompt.slice(0, 200)}`);
  return Number(match[1]);
}

function toReply(t: Turn): ProviderReply {
  const { vote: spec, ...reply } = t;
  const text = spec ? `${reply.text ?? ''}\n\n${voteLine(spec)}` : reply.text;
  return { ...reply, text, usage: reply.usage === undefined ? { ...DEFAULT_USAGE } : reply.usage };
}

async function turnFor(script: TurnScript, call: ProviderCall): Promise<Turn> {
  const round = roundOf(call);
  if (typeof script === 'function') return script(round, call);
  const list = script as readonly Turn[];
  if (list.length === 0) throw new Error('scripted-providers: empty script');
  return list[Math.min(round, list.length) - 1];
}

export async function startPanel(specs: readonly ScriptedParticipantSpec[]): Promise<ScriptedPanel> {
  const servers = new Map<string, ProviderServer>();
  const adapters: Array<Record<string, unknown>> = [];
  try {
    for (const spec of specs) {
      if (servers.has(spec.name)) throw new Error(`scripted-providers: duplicate participant name ${spec.name}`);
      const wire = spec.wire ?? 'openai';
      const server = await startProviderServer({ wire, respond: async (call) => toReply(await turnFor(spec.script, call)) });
      servers.set(spec.name, server);
      adapters.push({
        name: spec.name,
        kind: 'http',
        // The Responses wire is the openai provider with api: responses.
        ...(wire === 'openai-responses' ? { provider: 'openai', api: 'responses' } : { provider: wire }),
        baseUrl: server.baseUrl,
        tier: spec.tier ?? 'T2',
        models: spec.models ?? DEFAULT_MODELS[wire],
        timeoutMs: 5000,
        maxRetries: 0,
        ...(spec.adapter ?? {}),
      });
    }
  } catch (e) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw e;
  }
  const server = (name: string): ProviderServer => {
    const found = servers.get(name);
    if (!found) throw new Error(`scripted-providers: no participant named ${name}`);
    return found;
  };
  return {
    adapters,
    participants: (extra = {}) => specs.map((spec, i) => ({ adapter: spec.name, ...(Array.isArray(extra) ? (extra[i] ?? {}) : extra) })),
    server,
    calls: (name) => server(name).calls,
    callsInRound: (name, round) => server(name).calls.filter((c) => roundOf(c) === round),
    totalCalls: () => [...servers.values()].reduce((n, s) => n + s.calls.length, 0),
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}
