import { z } from 'zod';

/**
 * The whole configuration file, validated once at start-up. Every object is strict: an unknown key is
 * an error, because a typo must never be silently ignored. Defaults live here and nowhere else.
 */

const fraction = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

export const TIERS = ['T0', 'T1', 'T2', 'T3'] as const;
/** An adapter's cost tier: T0 local and free, up to T3 the most capable and dearest. */
export type AdapterTier = (typeof TIERS)[number];
/** Which of an adapter's two models a call uses: the fast one or the reasoning one. */
export type ModelClass = 'fast' | 'reasoning';
export const CLI_PROVIDERS = ['claude', 'codex', 'gemini', 'droid', 'llamacpp'] as const;
export const HTTP_PROVIDERS = ['ollama', 'openai', 'openrouter', 'lmstudio', 'anthropic', 'gemini'] as const;

/** `database.path` names a PostgreSQL database (a `postgres://` or `postgresql://` URL) rather than a SQLite file. */
export function isPostgresUrl(path: string): boolean {
  return /^postgres(ql)?:\/\//i.test(path);
}

/** Why a PostgreSQL URL cannot be used, or null (also for a SQLite path). Never repeats the password. */
function postgresUrlProblem(path: string): string | null {
  if (!isPostgresUrl(path)) return null;
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    return 'not a valid PostgreSQL URL (postgres://user[:password]@host[:port]/database)';
  }
  if (!url.hostname) return 'the PostgreSQL URL names no host (postgres://user[:password]@host[:port]/database)';
  if (url.pathname.replace(/^\//, '') === '') return 'the PostgreSQL URL names no database (postgres://user[:password]@host[:port]/database)';
  return null;
}

/** The URL as it may be logged or shown: the password replaced. */
export function redactDatabaseUrl(path: string): string {
  if (!isPostgresUrl(path)) return path;
  try {
    const url = new URL(path);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

const models = z.strictObject({ fast: z.string().min(1), reasoning: z.string().min(1) });

const adapterCommon = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-", at most 64'),
  tier: z.enum(TIERS),
  models,
  timeoutMs: positiveInt.default(120_000),
  maxRetries: z.number().int().min(0).max(10).default(3),
  /** How many calls to this adapter may be in flight at once, across all deliberations. */
  concurrency: positiveInt.max(64).default(4),
  /** The model's context window in tokens; prompts are trimmed to fit it. */
  contextTokens: positiveInt.default(32_000),
  enabled: z.boolean().default(true),
  /**
   * Models a request may name for this adapter (besides its own `models`); `"*"` allows any safe name.
   * Default: CLI adapters only their own models, HTTP and replay adapters any safe name.
   */
  allowedModels: z.array(z.string().min(1).max(128)).min(1).max(1000).optional(),
};

/** Largest reply read from a provider or CLI; past it the call fails (response_too_large). 1 MiB by default. */
const maxResponseBytes = z
  .number()
  .int()
  .min(1024)
  .max(256 * 1024 * 1024)
  .default(1024 * 1024);

export const cliAdapterSchema = z.strictObject({
  ...adapterCommon,
  kind: z.literal('cli'),
  provider: z.enum(CLI_PROVIDERS),
  command: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
  maxResponseBytes,
});

export const httpAdapterSchema = z.strictObject({
  ...adapterCommon,
  kind: z.literal('http'),
  provider: z.enum(HTTP_PROVIDERS),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
    .optional(),
  maxResponseBytes,
  /** openai provider only: Chat Completions (`/chat/completions`) or the Responses API (`/responses`). */
  api: z.enum(['chat', 'responses']).default('chat'),
});

export const replayAdapterSchema = z.strictObject({
  ...adapterCommon,
  kind: z.literal('replay'),
  provider: z.literal('replay').default('replay'),
  cassette: z.string().min(1),
  /** Simulated answer time, for demos and benchmarks. */
  delayMs: z.number().int().min(0).max(600_000).default(0),
});

export const adapterSchema = z.discriminatedUnion('kind', [cliAdapterSchema, httpAdapterSchema, replayAdapterSchema]);
export type AdapterConfig = z.infer<typeof adapterSchema>;
export type CliAdapterConfig = z.infer<typeof cliAdapterSchema>;
export type HttpAdapterConfig = z.infer<typeof httpAdapterSchema>;
export type ReplayAdapterConfig = z.infer<typeof replayAdapterSchema>;

const price = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  reasoning: z.number().min(0).optional(),
});
export type PriceConfig = z.infer<typeof price>;

const budgetWindow = z.strictObject({
  tokens: positiveInt.optional(),
  usd: z.number().positive().optional(),
  softCap: fraction.default(0.8),
  /** What counts in it: every call (`all`), or only calls on adapters of tier T1 and up (`paid`; local T0 calls are free of it). */
  scope: z.enum(['all', 'paid']).default('all'),
});
export type BudgetWindowConfig = z.infer<typeof budgetWindow>;

const floor = z.strictObject({ minTier: z.enum(TIERS), model: z.string().min(1).optional() });

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(3000),
      host: z.string().min(1).default('127.0.0.1'),
      /** Largest accepted request body, in bytes. */
      bodyLimitBytes: positiveInt.default(1024 * 1024),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      apiKey: z.string().min(16, 'at least 16 characters').optional(),
    })
    .prefault({}),
  database: z
    .strictObject({
      /** A SQLite file, `:memory:`, or a `postgres://` (`postgresql://`) URL, which selects PostgreSQL. */
      path: z
        .string()
        .min(1)
        .default('./data/conclave.sqlite')
        .superRefine((path, ctx) => {
          const problem = postgresUrlProblem(path);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      /** PostgreSQL only: the most connections this process holds at once. */
      poolSize: positiveInt.max(100).default(10),
    })
    .prefault({}),
  /**
   * Scale-out (README "More than one machine"). `role` and `redis` usually come from CONCLAVE_ROLE and
   * CONCLAVE_REDIS. With `redis` set, rounds run as BullMQ jobs any worker process can take; without it,
   * one process runs everything (the in-process queue).
   */
  cluster: z
    .strictObject({
      role: z.enum(['all', 'api', 'worker']).default('all'),
      /** A redis:// (rediss://) URL. Needs a PostgreSQL database: SQLite is one process's database. */
      redis: z
        .string()
        .regex(/^rediss?:\/\/[^\s]+$/i, 'a redis:// or rediss:// URL')
        .optional(),
      /** Every queue and channel name starts with it, so clusters can share one Redis. */
      prefix: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/i, 'letters, digits, _ and -, at most 40')
        .default('conclave'),
      /** How long a worker holds a round job without renewing it; a killed worker's round is taken by another after this. */
      lockMs: z.number().int().min(500).max(600_000).default(30_000),
    })
    .prefault({}),
  adapters: z.array(adapterSchema).default([]),
  /**
   * Every adapter's circuit breaker: this many transport failures or timeouts in a row open it; after
   * coolDownMs one trial call goes (half-open). While open, its participants move to another adapter.
   */
  circuitBreaker: z
    .strictObject({
      failureThreshold: positiveInt.max(100).default(5),
      coolDownMs: z.number().int().min(50).max(3_600_000).default(30_000),
    })
    .prefault({}),
  prices: z.record(z.string().min(1), price).default({}),
  tokens: z.strictObject({ estimateErrorPct: z.number().min(0).max(100).default(15) }).prefault({}),
  deliberation: z
    .strictObject({
      /** Deliberations running at once; more wait in the queue. */
      maxRunning: positiveInt.max(256).default(8),
      /** Deliberations waiting; beyond this POST answers 429 with Retry-After. */
      maxQueued: z.number().int().min(0).max(10_000).default(100),
      roundTimeoutMs: positiveInt.default(300_000),
      /** Longest `?wait=true` holds a request open. */
      waitTimeoutMs: positiveInt.max(600_000).default(60_000),
      maxOutputTokens: positiveInt.default(2048),
      /** Ask once more, for the vote only, when an answer has no valid vote. */
      retryMissingVote: z.boolean().default(false),
      /**
       * No stop of any kind (converged, impasse, model consensus) before this round. At most 10, the
       * largest maxRounds a request may ask; a request whose maxRounds is below it is refused (400).
       */
      minRounds: z.number().int().min(1).max(10).default(1),
      /** From round 2 on, show the options voted so far, labelled, and ask to vote by wording or label. */
      ballot: z.boolean().default(true),
      /**
       * What each participant re-reads from earlier rounds: `full` (every answer), `latest` (each
       * participant's latest answer), `digest` (own latest in full, the others' as digests).
       */
      history: z.enum(['full', 'latest', 'digest']).default('digest'),
      /** Cap of one digest, in tokens. */
      digestTokens: z.number().int().min(50).max(4000).default(300),
      /**
       * Digests written by a model (one cheap call per long answer, its tokens recorded as the deliberation's
       * own calls) instead of the extractive ones; the extractive digest stands in when the call fails,
       * answers past the cap, or does not fit the budget.
       */
      digestAdapter: z.strictObject({ adapter: z.string().min(1), model: z.string().min(1) }).optional(),
      /** The budget of a deliberation whose request gives none (shown in its view as `budget`). */
      defaultBudget: z.strictObject({ maxTokens: positiveInt.optional(), maxCostUsd: z.number().positive().optional() }).optional(),
      /** A cap on one round's reserved tokens (every call's prompt plus its output limit), checked before each round. */
      maxRoundTokens: positiveInt.optional(),
      /** The length asked for in the prompt ("answer in at most N words"). */
      answerWords: z.number().int().min(50).max(5000).default(400),
      /**
       * The chair: after the last round, one call that writes a synthesis (recommendation, agreements,
       * disagreements, dissent) and may map paraphrased votes to one decision. A request's `chair` wins.
       */
      chair: z.strictObject({ adapter: z.string().min(1), model: z.string().min(1).optional(), tier: z.enum(['fast', 'reasoning']).optional() }).optional(),
      convergence: z
        .strictObject({
          /** false: participants' continue_debate votes never stop a deliberation (only the rules below and maxRounds do). */
          modelConsensus: z.boolean().default(true),
          /**
           * The convergence threshold as the budget zone worsens (the lower of this and `threshold`
           * applies); in ORANGE and RED a unanimous round also stops the deliberation (budget_consensus).
           */
          zoneThresholds: z.strictObject({ YELLOW: fraction.default(0.8), ORANGE: fraction.default(0.75), RED: fraction.default(0.7) }).prefault({}),
          backend: z.enum(['tfidf', 'jaccard', 'embeddings']).default('tfidf'),
          /** The HTTP adapter and model that embed answers when backend is "embeddings". */
          embeddings: z.strictObject({ adapter: z.string().min(1), model: z.string().min(1) }).optional(),
          threshold: fraction.default(0.85),
          consecutive: positiveInt.default(2),
          divergingBelow: fraction.default(0.4),
          impasseAfter: positiveInt.default(3),
          consensusFraction: fraction.default(0.66),
          optionSimilarity: fraction.default(0.85),
        })
        .prefault({}),
    })
    .prefault({}),
  budgets: z
    .strictObject({
      timezone: z.string().default('UTC'),
      /**
       * When a window's token limit is nearly spent: `pause` the deliberation, or go on with `local` (T0/T1)
       * adapters only, as a USD limit always does (with a `scope: paid` window, local calls do not count).
       */
      onExhausted: z.enum(['pause', 'local']).default('pause'),
      /**
       * Percent of every window's limits held back for critical participants (those of a critical
       * deliberation, or in a role with a tier floor): other calls are refused before they eat into it.
       */
      reservePct: z.number().min(0).max(50).default(0),
      daily: budgetWindow.optional(),
      weekly: budgetWindow.optional(),
      monthly: budgetWindow.optional(),
      zones: z.strictObject({ yellow: fraction.default(0.7), orange: fraction.default(0.85), red: fraction.default(0.95) }).prefault({}),
      /** Fractions of any limit at which a deliberation warns, is forced to fast models, and pauses. */
      thresholds: z.strictObject({ warn: fraction.default(0.7), forceFast: fraction.default(0.85), pause: fraction.default(0.95) }).prefault({}),
    })
    .prefault({}),
  tiering: z
    .strictObject({
      lowBudgetFraction: fraction.default(0.1),
      scoreDrop: fraction.default(0.15),
      settledScore: fraction.default(0.7),
      splitOptions: positiveInt.default(3),
      escalateAfterFailures: positiveInt.default(3),
      floors: z.record(z.string().min(1), floor).default({}),
    })
    .prefault({}),
  memory: z
    .strictObject({
      /**
       * What a create request does with past decisions when it names no `memory`: `off` (nothing),
       * `context` (the closest ones quoted in round 1's prompt) or `reuse` (a near-identical one answers at once).
       */
      mode: z.enum(['off', 'context', 'reuse']).default('context'),
      /** How many past decisions round 1's prompt quotes under `context`, at most. */
      contextDecisions: z.number().int().min(1).max(10).default(3),
      /** The similarity a past decision needs to be quoted as context. */
      minSimilarity: fraction.default(0.75),
      /** The similarity a past decision needs to be reused (its differing content words are checked too). */
      reuseSimilarity: fraction.default(0.92),
      /** A decision older than this is never reused (it may still be quoted as context). */
      reuseMaxAgeDays: z.number().int().min(1).max(3650).default(30),
      /**
       * An HTTP adapter and model that embed question + context. Set: each decision also gets an embedding
       * (one call when it completes), and `context` ranks past decisions by its cosine (one call per new
       * request, billed to it). Reuse and GET /v1/decisions stay TF-IDF: they never call a model.
       */
      embeddings: z.strictObject({ adapter: z.string().min(1), model: z.string().min(1) }).optional(),
    })
    .prefault({}),
  checkpoints: z
    .strictObject({
      retentionDays: positiveInt.default(30),
      resumeInterruptedOnStart: z.boolean().default(false),
    })
    .prefault({}),
  schedules: z
    .strictObject({
      /** false: no schedule ticks in this process (schedules are still stored, edited and run by hand). */
      enabled: z.boolean().default(true),
      /** The only folder a schedule's contextFrom.file may read from (symlinks resolved); absent: no file contexts. */
      contextDir: z.string().min(1).optional(),
      /** The shortest gap between two ticks (everySeconds, or two consecutive cron times). */
      minIntervalSeconds: z.number().int().min(1).max(86_400).default(60),
    })
    .prefault({}),
  rateLimit: z.strictObject({ ttlMs: positiveInt.default(60_000), limit: positiveInt.default(60) }).prefault({}),
  metrics: z
    .strictObject({
      /** When true (and server.apiKey is set), GET /metrics needs the bearer key like the /v1 routes. */
      requireKey: z.boolean().default(false),
    })
    .prefault({}),
});

export type ConclaveConfig = z.infer<typeof configSchema>;
