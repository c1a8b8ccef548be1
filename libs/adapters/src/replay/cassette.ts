import { readFileSync } from 'node:fs';
import { z } from 'zod';

const count = z.number().int().min(0);

const recordedUsage = z.strictObject({
  inputTokens: count,
  outputTokens: count,
  reasoningTokens: count.optional(),
  cachedInputTokens: count.optional(),
});

const recordedResponse = z.strictObject({ text: z.string(), usage: recordedUsage.optional() });

/**
 * A recorded deliberation: `responses[round][participantIndex]`, rounds counted from 1 as the engine
 * counts them. JSON object keys are strings, so both levels are keyed by decimal integers.
 */
export const cassetteSchema = z.strictObject({
  question: z.string().min(1),
  participants: z.array(z.strictObject({ index: z.number().int().min(0), label: z.string().min(1) })).min(1),
  responses: z.record(z.string().regex(/^\d+$/, 'a round number'), z.record(z.string().regex(/^\d+$/, 'a participant index'), recordedResponse)),
});

export type Cassette = z.infer<typeof cassetteSchema>;
export type RecordedResponse = z.infer<typeof recordedResponse>;

/** Reads and validates a cassette file; the message says the path and what is wrong. */
export function loadCassette(path: string): Cassette {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cassette ${path} cannot be read as JSON: ${(e as Error).message}`);
  }
  const parsed = cassetteSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`cassette ${path} is not valid: ${issues}`);
  }
  return parsed.data;
}

export function recordedAt(cassette: Cassette, round: number, participantIndex: number): RecordedResponse | undefined {
  return cassette.responses[String(round)]?.[String(participantIndex)];
}
