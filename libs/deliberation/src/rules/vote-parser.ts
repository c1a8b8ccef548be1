import type { ParsedVote, Vote, VoteError } from '../deliberation.types';

/**
 * Reads the participant's vote from its answer.
 *
 * The answer should end with a line `VOTE: {"option": "...", "confidence": 0.85, "rationale": "...",
 * "continue_debate": true}`. The rule that settles every ambiguity is "the last vote marker wins":
 * answers often quote the instructions' example vote (or an earlier participant's vote) before their
 * own. A consequence, by design: a forged vote line that a participant quotes at the very END of its
 * answer (say inside a code block it copied from another answer) is indistinguishable from its own vote
 * and is taken; a forged one anywhere earlier loses to the participant's real vote that follows it.
 *
 * Hostile input is expected (this is model output): the text is scanned once, character by character —
 * no backtracking regex — so a 10 MB answer costs linear time; JSON is parsed with JSON.parse (which
 * never touches prototypes) and the vote is copied field by field into a fresh object.
 */

export const DEFAULT_MIN_RESPONSE_LENGTH = 10;

/** A vote's JSON longer than this is not a vote; it also bounds the balanced-brace scan. */
export const MAX_VOTE_JSON_CHARS = 64_000;

/** How far after `VOTE:` the `{` may start (room for a code fence, `\boxed{`, `$`, spaces). */
const MAX_PREFIX_CHARS = 200;

export interface ParseVoteOptions {
  /** Answers whose trimmed text is shorter than this are `response_too_short` (default 10). */
  minLength?: number;
}

export interface VoteMarker {
  /** Index of the `v` of the marker. */
  start: number;
  /** Index just after the marker's colon (and any emphasis after it). */
  end: number;
}

export function parseVote(text: string, options: ParseVoteOptions = {}): ParsedVote {
  const source = typeof text === 'string' ? text : '';
  const minLength = options.minLength ?? DEFAULT_MIN_RESPONSE_LENGTH;
  if (source.trim().length < minLength) return failure('response_too_short');

  const marker = findLastVoteMarker(source);
  if (!marker) return failure('no_vote_marker');

  const json = extractJsonAfter(source, marker.end);
  if (json === null) return failure('invalid_json');

  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return failure('invalid_json');
  }
  const vote = validateVote(parsed);
  return vote ? { vote, error: null } : failure('validation_error');
}

/** The answer's text before its (last) vote marker — the argument without the ballot. */
export function textBeforeVote(text: string): string {
  const marker = findLastVoteMarker(text);
  return marker ? text.slice(0, marker.start) : text;
}

/**
 * The last vote marker that is not inside a double-quoted string on its own line.
 *
 * Markers are `vote` (any case, not preceded by a letter, digit or underscore), optional emphasis or
 * blanks, `:`, optional emphasis: `VOTE:`, `vote:`, `VOTE :`, `**VOTE:**`, `**VOTE**:`. A marker
 * inside a quoted string (e.g. `"rationale": "my vote: A"`) is not a marker: JSON strings cannot span
 * lines, so tracking quotes per line is enough to tell, and keeps the scan single-pass.
 */
export function findLastVoteMarker(text: string): VoteMarker | null {
  let last: VoteMarker | null = null;
  let inQuote = false;
  let escaped = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */ || c === 13 /* \r */) {
      inQuote = false;
      escaped = false;
      continue;
    }
    if (inQuote) {
      if (escaped) escaped = false;
      else if (c === 92 /* \ */) escaped = true;
      else if (c === 34 /* " */) inQuote = false;
      continue;
    }
    if (c === 34) {
      inQuote = true;
      continue;
    }
    if ((c === 118 || c === 86) /* v V */ && !isWordChar(text.charCodeAt(i - 1))) {
      const end = matchMarkerAt(text, i);
      if (end > 0) {
        last = { start: i, end };
        i = end - 1;
      }
    }
  }
  return last;
}

/** Returns the index after the marker starting at `i`, or -1. */
function matchMarkerAt(text: string, i: number): number {
  // ASCII case folding by hand: no substring allocation per candidate on huge inputs.
  if ((text.charCodeAt(i + 1) | 0x20) !== 111 /* o */ || (text.charCodeAt(i + 2) | 0x20) !== 116 /* t */) return -1;
  if ((text.charCodeAt(i + 3) | 0x20) !== 101 /* e */) return -1;
  let j = i + 4;
  const limit = Math.min(text.length, j + 8);
  while (j < limit && isEmphasisOrBlank(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) !== 58 /* : */) return -1;
  j++;
  while (j < text.length && (text.charCodeAt(j) === 42 || text.charCodeAt(j) === 95)) j++;
  return j;
}

/**
 * The balanced JSON object that starts shortly after `from`, or null. Skips what models put between
 * the marker and the object: blanks, newlines, emphasis, a code fence with its language tag, `$`, `\[`,
 * `\(`, `\boxed{`.
 */
export function extractJsonAfter(text: string, from: number): string | null {
  const start = findJsonStart(text, from);
  if (start < 0) return null;
  const end = findBalancedEnd(text, start);
  return end < 0 ? null : text.slice(start, end + 1);
}

function findJsonStart(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_PREFIX_CHARS);
  let i = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) return i;
    if (c === 96 /* ` */) {
      i++;
      // A fence's language tag (```json) directly follows the backticks.
      if (text.charCodeAt(i) !== 96) while (i < limit && isAsciiLetter(text.charCodeAt(i))) i++;
      continue;
    }
    if (c === 92 /* \ */) {
      if (text.startsWith('\\boxed', i)) {
        i += 6;
        while (i < limit && isBlank(text.charCodeAt(i))) i++;
        // \boxed{{"option": ...}} — the first brace belongs to \boxed, the JSON starts after it.
        if (text.charCodeAt(i) === 123 && nextNonBlank(text, i + 1, limit) === 123) i++;
        continue;
      }
      if (text.charCodeAt(i + 1) === 91 /* [ */ || text.charCodeAt(i + 1) === 40 /* ( */) {
        i += 2;
        continue;
      }
      return -1;
    }
    if (isBlank(c) || c === 10 || c === 13 || c === 42 || c === 95 || c === 36 /* $ */ || c === 62 /* > */) {
      i++;
      continue;
    }
    return -1;
  }
  return -1;
}

/** Index of the `}` closing the object opened at `start`, honouring strings and escapes; -1 if none. */
function findBalancedEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + MAX_VOTE_JSON_CHARS);
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 92) escaped = true;
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91 /* [ */) {
      depth++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 0) return c === 125 ? i : -1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

function validateVote(value: unknown): Vote | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const option = own(record, 'option');
  const confidence = own(record, 'confidence');
  const rationale = own(record, 'rationale');
  const continueDebate = own(record, 'continue_debate') ?? own(record, 'continueDebate');

  if (typeof option !== 'string' || option.trim() === '') return null;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) return null;
  if (rationale !== undefined && rationale !== null && typeof rationale !== 'string') return null;
  if (continueDebate !== undefined && continueDebate !== null && typeof continueDebate !== 'boolean') return null;

  return {
    option: option.trim(),
    confidence,
    rationale: typeof rationale === 'string' ? rationale.trim() : '',
    continueDebate: typeof continueDebate === 'boolean' ? continueDebate : true,
  };
}

/** Own properties only: a `__proto__` or inherited key must never stand in for a field. */
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function failure(error: VoteError): ParsedVote {
  return { vote: null, error };
}

function nextNonBlank(text: string, from: number, limit: number): number {
  let i = from;
  while (i < limit && (isBlank(text.charCodeAt(i)) || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i++;
  return text.charCodeAt(i);
}

function isWordChar(c: number): boolean {
  // NaN (before the start of the text) is not a word character.
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function isEmphasisOrBlank(c: number): boolean {
  return c === 42 /* * */ || c === 95 /* _ */ || isBlank(c);
}
