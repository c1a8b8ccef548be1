import type { Synthesis } from '../deliberation.types';
import { tallyVotes, type FinalVote, type Tally } from './result';
import { extractJsonAfter } from './vote-parser';

/** The ledger's participant index of the chair's call: the deliberation's own call, like the embeddings (-1). */
export const CHAIR_PARTICIPANT = -2;

const LIST_ITEMS = 20;
const ITEM_CHARS = 500;

export type ParsedChair = { ok: true; synthesis: Omit<Synthesis, 'chairAdapter' | 'chairModel' | 'mappedOutcome'> } | { ok: false; error: string };

/**
 * Reads the chair's answer: the text before the last `CHAIR:` line is its prose, the JSON after it the
 * structured synthesis. Like a vote, it is data: strings are trimmed and capped, unknown keys ignored,
 * and a missing or malformed block is an error the result states, never a guess.
 */
export function parseChair(text: string): ParsedChair {
  const marker = lastMarker(text);
  if (!marker) return { ok: false, error: 'the chair answered without a CHAIR: line' };
  const json = extractJsonAfter(text, marker.end);
  if (!json) return { ok: false, error: 'the CHAIR: line holds no JSON object' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, error: 'the CHAIR: JSON does not parse' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'the CHAIR: JSON is not an object' };
  const record = value as Record<string, unknown>;
  const recommendation = typeof record.recommendation === 'string' ? record.recommendation.trim().slice(0, 2000) : '';
  if (!recommendation) return { ok: false, error: 'the CHAIR: JSON has no recommendation' };
  const mapping = stringMap(record.mapping);
  return {
    ok: true,
    synthesis: {
      text: text.slice(0, marker.start).trim(),
      recommendation,
      agreements: stringList(record.agreements),
      disagreements: stringList(record.disagreements),
      dissent: stringList(record.dissent),
      ...(mapping ? { mapping } : {}),
    },
  };
}

/**
 * The final votes tallied under the chair's mapping (option as voted → decision), on top of the engine's
 * own grouping. Null when the mapping changes neither the outcome nor the winner: then it adds nothing.
 */
export function mappedTally(finals: readonly FinalVote[], grouping: ReadonlyMap<string, string>, mapping: Record<string, string>, engine: Tally): Tally | null {
  const byChair = new Map<string, string>();
  for (const { vote } of finals) {
    if (!vote) continue;
    const chosen = mapping[vote.option] ?? mapping[vote.option.trim()];
    byChair.set(vote.option, chosen?.trim() || (grouping.get(vote.option) ?? vote.option.trim()));
  }
  const mapped = tallyVotes(finals, byChair);
  return mapped.outcome !== engine.outcome || mapped.winningOption !== engine.winningOption ? mapped : null;
}

/** The last `CHAIR:` (any case, optional emphasis: `**CHAIR:**`, `**CHAIR**:`) not inside a word. */
function lastMarker(text: string): { start: number; end: number } | null {
  const found = [...text.matchAll(/(^|[^\w])(\**CHAIR\**\s*:\**)/gi)].pop();
  if (!found) return null;
  const start = found.index + found[1].length;
  return { start, end: start + found[2].length };
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
    .slice(0, LIST_ITEMS)
    .map((x) => x.trim().slice(0, ITEM_CHARS));
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[0].trim() !== '' && e[1].trim() !== '')
    .slice(0, 50)
    .map(([k, v]) => [k.trim().slice(0, ITEM_CHARS), v.trim().slice(0, ITEM_CHARS)] as const);
  return entries.length ? Object.fromEntries(entries) : undefined;
}
