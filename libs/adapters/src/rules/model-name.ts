/**
 * Which model names a request may choose. A request-chosen name reaches CLI argv and provider requests,
 * so it must be a plain name: it starts with a letter or digit (never "-", so no CLI reads it as a flag),
 * has no whitespace or control characters, and no path separators unless the provider's own names use
 * "/" (HTTP only: openrouter `openai/gpt-4o`, ollama `hf.co/org/model:tag`, lmstudio and vLLM-style
 * `org/model` behind the openai wire). Each "/"-separated part starts with a letter or digit, so no
 * empty, `.` or `..` part and no leading or trailing "/". Colons (`llama3.1:8b`, `ft:gpt-4o:org:id`),
 * `@` (`claude-3-5-sonnet@20240620`) and brackets (`sonnet[1m]`) are real names and harmless without a shell.
 */
export const MAX_MODEL_NAME_LENGTH = 128;

/** In `allowedModels`: any name that passes the safe pattern. */
export const ANY_SAFE_MODEL = '*';

const PART = '[A-Za-z0-9][A-Za-z0-9._:@\\[\\]-]*';
const FLAT = new RegExp(`^${PART}$`);
const PATHED = new RegExp(`^${PART}(?:/${PART})*$`);

export function isSafeModelName(name: string, options: { slash: boolean }): boolean {
  return name.length >= 1 && name.length <= MAX_MODEL_NAME_LENGTH && (options.slash ? PATHED : FLAT).test(name);
}

/** What one adapter accepts as a model name. */
export interface ModelPolicy {
  /** The adapter's own configured models (tier → model); always accepted, they need no choosing. */
  own: readonly string[];
  /** Names a request may choose; `"*"` in it means any safe name. */
  allowed: readonly string[];
  /** Whether "/" may appear (HTTP providers whose names use it). */
  slash: boolean;
}

export type ModelCheck = { ok: true } | { ok: false; reason: 'unsafe' | 'not_allowed'; allowed: readonly string[] };

/** Pure: whether `model` may be used on an adapter with `policy`; when not, why and what is allowed. */
export function checkModelName(model: string, policy: ModelPolicy): ModelCheck {
  if (policy.own.includes(model)) return { ok: true };
  const allowed = [...new Set([...policy.own, ...policy.allowed])];
  if (!isSafeModelName(model, { slash: policy.slash })) return { ok: false, reason: 'unsafe', allowed };
  if (policy.allowed.includes(ANY_SAFE_MODEL) || policy.allowed.includes(model)) return { ok: true };
  return { ok: false, reason: 'not_allowed', allowed };
}

/**
 * The policy from an adapter's config. Default: a CLI adapter runs only its own models (a CLI is a local
 * program with flags and files; nothing else is worth the risk); HTTP and replay adapters take any safe
 * name (the provider rejects names it does not serve).
 */
export function modelPolicyFor(
  config: { kind: 'cli' | 'http' | 'replay'; models: { fast: string; reasoning: string }; allowedModels?: readonly string[] },
  slash: boolean,
): ModelPolicy {
  const own = [...new Set([config.models.fast, config.models.reasoning])];
  const allowed = config.allowedModels ?? (config.kind === 'cli' ? own : [ANY_SAFE_MODEL]);
  return { own, allowed, slash: config.kind === 'cli' ? false : slash };
}

/** A line for messages: what an adapter accepts. */
export function describeAllowed(allowed: readonly string[]): string {
  return allowed.map((m) => (m === ANY_SAFE_MODEL ? '"*" (any safe name)' : m)).join(', ');
}
