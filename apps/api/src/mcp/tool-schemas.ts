import { z } from 'zod';

/**
 * The MCP tools' input and output schemas. Inputs mirror the REST DTOs (apps/api/src/deliberations/
 * deliberation.dto.ts), which still validate every call after these, so a tool refuses exactly what
 * the route refuses, with the same message; these add the descriptions a model reads. Objects are strict:
 * a misspelt field is refused, naming it, rather than silently ignored.
 */

/** The default wait of deliberate and resume: under the ~60 s after which MCP clients give up on a call. */
export const DEFAULT_WAIT_SECONDS = 50;
export const MAX_WAIT_SECONDS = 600;

const id = (what: string) => z.uuid().describe(what);

const participant = z.strictObject({
  adapter: z.string().min(1).max(64).describe('A configured adapter name (see list_adapters), e.g. "claude"'),
  model: z.string().min(1).max(128).optional().describe("A model instead of the adapter's model for the chosen tier; must be allowed for the adapter"),
  tier: z.enum(['fast', 'reasoning', 'auto']).optional().describe('Model class: auto (default) lets the tier policy choose per round'),
  stance: z.enum(['for', 'against', 'neutral']).optional().describe('Position to argue (default neutral)'),
  role: z.string().min(1).max(64).optional().describe('A role such as "security"; config may give roles a minimum tier'),
  force: z.boolean().optional().describe('Keep this model despite the budget zone (never past a hard cap); needs overrideReason'),
  overrideReason: z.string().min(3).max(500).optional().describe('Why the model is forced; required with force: true'),
});

const budget = z.strictObject({
  maxTokens: z.number().int().min(1).max(1_000_000_000).optional().describe('Stop (pause, resumable) before spending more tokens than this'),
  maxCostUsd: z.number().min(0.000001).max(1_000_000).optional().describe('Stop (pause, resumable) before spending more US dollars than this'),
});

export const deliberationRequestShape = {
  question: z.string().min(1).max(20_000).describe('The question the participants deliberate'),
  participants: z.array(participant).min(2).max(8).describe('2 to 8 participants; the same adapter may appear more than once with different stances'),
  mode: z.enum(['quick', 'conference']).optional().describe('quick: one round; conference (default): rounds until convergence or maxRounds'),
  maxRounds: z.number().int().min(1).max(10).optional().describe('At most this many rounds (default 3)'),
  context: z.string().max(100_000).optional().describe('Background the participants read (code, a design, constraints)'),
  critical: z.boolean().optional().describe('Critical deliberations get a minimum model tier'),
  budget: budget.optional().describe('Limits of this deliberation; when reached it pauses with a checkpoint to resume from'),
  convergence: z.strictObject({ threshold: z.number().min(0).max(1).optional().describe('Similarity at which answers count as converged') }).optional(),
  history: z
    .enum(['full', 'latest', 'digest'])
    .optional()
    .describe("What participants re-read from earlier rounds: full, latest, or digest (own latest whole, others' digested; default)"),
  chair: z
    .strictObject({
      adapter: z.string().min(1).max(64).describe('The adapter that writes the synthesis'),
      model: z.string().min(1).max(128).optional(),
      tier: z.enum(['fast', 'reasoning']).optional(),
    })
    .optional()
    .describe('After the last round, one call writes a synthesis: recommendation, agreements, disagreements, dissent'),
  memory: z
    .enum(['off', 'context', 'reuse'])
    .optional()
    .describe(
      "Past decisions: off; context (the closest quoted in round 1's prompt; default); reuse (a near-identical past decision answers at once, no model call)",
    ),
};

const waitSeconds = z
  .number()
  .int()
  .min(0)
  .max(MAX_WAIT_SECONDS)
  .optional()
  .describe(
    `How long to wait for the end, sending progress notifications (default ${DEFAULT_WAIT_SECONDS}; keep it under your client's tool timeout, ~60 s). 0 returns at once.`,
  );

export const deliberateInput = z.strictObject({
  ...deliberationRequestShape,
  force: z.boolean().optional().describe('With memory: reuse, run it even when a past decision could answer it'),
  waitSeconds,
});
export const estimateInput = z.strictObject(deliberationRequestShape);

export const idInput = z.strictObject({ id: id('The deliberation id (returned by deliberate)') });

export const transcriptInput = z.strictObject({
  id: id('The deliberation id'),
  round: z.number().int().min(1).max(1000).optional().describe('Only this round; omit for the whole transcript (header, every round, result)'),
  page: z.number().int().min(1).max(10_000).optional().describe('Page number (default 1); the answer says how many pages there are and what to ask next'),
});

export const pauseInput = z.strictObject({
  id: id('The deliberation id'),
  now: z.boolean().optional().describe('Cut the calls in flight now (answers that arrived are kept) instead of letting them finish'),
  wait: z.boolean().optional().describe('Answer once it has stopped (default: at once, while calls in flight finish)'),
});

export const resumeInput = z.strictObject({
  checkpointId: id('A checkpoint id: latestCheckpointId of a paused, interrupted or failed deliberation continues it; an older one forks a new deliberation'),
  budget: budget.optional().describe('New limits for the resumed run'),
  maxRounds: z.number().int().min(1).max(10).optional().describe('A new maximum of rounds'),
  participants: z.array(participant).min(2).max(8).optional().describe('Replace adapters or models; same count unless changeParticipantCount'),
  changeParticipantCount: z.boolean().optional().describe('Allow the participant count to change'),
  waitSeconds,
});

export const tokenUsageInput = z.strictObject({
  deliberationId: z.uuid().optional().describe("One deliberation's figures: totals, by participant and by round"),
  round: z.number().int().min(1).max(1000).optional().describe('With deliberationId: one round, call by call'),
  participantIndex: z.number().int().min(0).max(7).optional().describe('With deliberationId: only this participant'),
  from: z.string().max(64).optional().describe('Without deliberationId: start of the time range, ISO-8601, inclusive (default 30 days before to)'),
  to: z.string().max(64).optional().describe('Without deliberationId: end of the time range, ISO-8601, exclusive (default now)'),
  groupBy: z
    .enum(['adapter', 'model', 'day', 'deliberation', 'role'])
    .optional()
    .describe('Without deliberationId: how the range is grouped (default adapter)'),
});

export const noInput = z.strictObject({});

// Outputs: the fields a client can rely on; objects are loose so added fields never break a client's validation.

const figures = z.looseObject({
  totalTokens: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  calls: z.number(),
  costUsd: z.number().nullable().describe('null when no call could be priced'),
});

export const deliberationOutput = z.looseObject({
  id: z.string(),
  status: z.enum(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted']),
  finished: z.boolean().describe('No more rounds will run unless it is resumed'),
  question: z.string(),
  maxRounds: z.number(),
  roundsCompleted: z.number(),
  participants: z.array(z.looseObject({ index: z.number(), adapter: z.string() })),
  rounds: z.array(z.looseObject({ number: z.number(), votes: z.array(z.looseObject({ participantIndex: z.number() })) })),
  result: z.looseObject({ outcome: z.string(), winningOption: z.string().nullable(), stopReason: z.string() }).nullable(),
  pause: z.looseObject({}).nullable(),
  failure: z.string().nullable(),
  latestCheckpointId: z.string().nullable().describe('Resume from it with the resume tool'),
  tokens: figures,
  next: z.string().describe('What to call next'),
});

export const transcriptOutput = z.strictObject({
  deliberationId: z.string(),
  round: z.number().nullable(),
  page: z.number(),
  pages: z.number(),
  rounds: z.array(z.number()).describe('The rounds the transcript has'),
  markdown: z.string(),
  next: z.strictObject({ round: z.number().optional(), page: z.number() }).nullable().describe('Arguments (with id) for the next page; null at the end'),
});

export const estimateOutput = z.looseObject({
  maxRounds: z.number(),
  total: z.looseObject({}),
  budget: z.looseObject({ fits: z.boolean() }),
});

export const tokenUsageOutput = z.looseObject({
  scope: z.enum(['deliberation', 'round', 'range']),
  totals: figures,
});

export const budgetStatusOutput = z.strictObject({
  windows: z.array(z.looseObject({ window: z.string(), zone: z.string(), forecast: z.looseObject({}) })),
});

export const adaptersOutput = z.strictObject({
  adapters: z.array(z.looseObject({ name: z.string(), tier: z.string(), enabled: z.boolean(), reachable: z.boolean() })),
});
