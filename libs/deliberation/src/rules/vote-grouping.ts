/**
 * Merges vote options that name the same decision before tallying, so "Conditional Approve with P0/P1
 * fixes" and "Conditional approve with P1 blockers" count as one option while "Approve" and "Do not
 * approve as written", "Yes" and "No", "Option A" and "Option D" never do.
 *
 * Real models word one decision many ways, and a string similarity over whole options cannot tell a
 * paraphrase (more words of detail) from a different decision (one word changed). So an option is read
 * as a small structure (see analyzeOption):
 *
 *   [filler] [negation] [conditional] HEAD [object] | detail
 *
 * - HEAD: the decision verb phrase, from a fixed vocabulary (approve / conditionally approve / reject /
 *   revise / reject and revise / defer / yes / no / option X). Two headed options merge only when their
 *   heads are equal, negation included ("not approve" ≠ "approve").
 * - "Conditionally approve" is its own head, apart from "approve": the condition is the decision (a
 *   reviewer who demands fixes has not approved). An approval (or a yes) becomes conditional by a
 *   leading "conditional(ly)" or by a condition word anywhere after it ("with integration revisions",
 *   "P0 fix required", "pending review"); which conditions is detail, listed in the tally's variants.
 * - object: content words right after the head, before any qualifier boundary ("approve the migration").
 *   They must agree: equal, one contained in the other, or similar enough — and never differing label
 *   tokens (P0/P1, 3/6, A/D).
 * - detail: everything after a boundary (— - : ; , ( or with / if / as / because / pending …). Detail
 *   never splits two options whose head and object agree: it is a reason or a condition, not a choice.
 * - Options without a recognised head fall back to the lexical rule: equal content words, the decision
 *   part of one contained in the other's (unless the extra words make it a composite: "and", "hybrid",
 *   "except" …), or similarity at or above the threshold; polarity, antonym and label guards veto.
 */

const NEGATIONS = new Set(['not', 'no', 'never', 'dont', 'doesnt', 'shouldnt', 'wont', 'cannot', 'cant', 'without', 'nor', 'neither', 'none', 'reject']);

/** Words that name opposite choices; an option holding one side never merges with one holding the other. */
const OPPOSITES: ReadonlyArray<readonly [string, string]> = [
  ['yes', 'no'],
  ['true', 'false'],
  ['for', 'against'],
  ['accept', 'reject'],
  ['approve', 'reject'],
  ['adopt', 'reject'],
  ['agree', 'disagree'],
  ['support', 'oppose'],
  ['allow', 'deny'],
  ['enable', 'disable'],
  ['keep', 'remove'],
  ['include', 'exclude'],
  ['increase', 'decrease'],
  ['pro', 'con'],
  ['go', 'stop'],
];

/** Decision verbs (and their inflections) → the head family they name. */
const HEAD_WORDS: ReadonlyMap<string, string> = new Map([
  ...['approve', 'approved', 'approves', 'approving', 'approval', 'accept', 'accepted', 'acceptance', 'endorse', 'endorsed', 'lgtm', 'greenlight'].map(
    (w) => [w, 'approve'] as const,
  ),
  ...['reject', 'rejected', 'rejects', 'rejection', 'decline', 'declined', 'veto', 'vetoed'].map((w) => [w, 'reject'] as const),
  ...['revise', 'revised', 'revision', 'rework', 'redo', 'resubmit'].map((w) => [w, 'revise'] as const),
  ...['defer', 'deferred', 'postpone', 'postponed', 'delay', 'delayed', 'wait', 'hold', 'table', 'tabled'].map((w) => [w, 'defer'] as const),
  ...['yes', 'yeah', 'yep', 'aye', 'affirmative'].map((w) => [w, 'yes'] as const),
  ...['no', 'nope', 'nay'].map((w) => [w, 'no'] as const),
]);

/** Two-word heads that a single word would misread ("request changes" is a revision, not a request). */
const HEAD_PHRASES: ReadonlyMap<string, string> = new Map([
  ['request changes', 'revise'],
  ['requested changes', 'revise'],
  ['changes requested', 'revise'],
  ['needs work', 'revise'],
  ['needs changes', 'revise'],
  ['needs revision', 'revise'],
  ['send back', 'revise'],
]);

/** "Option A", "Plan 2", "Alternative (C)": the noun and its label are the head "option a". */
const OPTION_NOUNS = new Set(['option', 'plan', 'alternative', 'proposal', 'choice', 'variant', 'approach', 'path', 'scenario', 'design']);

/** Words that precede the decision without being part of it: "Vote: approve", "I recommend we approve". */
const FILLERS = new Set([
  'i',
  'we',
  'my',
  'our',
  'vote',
  'voting',
  'final',
  'decision',
  'verdict',
  'recommendation',
  'recommend',
  'answer',
  'overall',
  'to',
  'should',
  'would',
  'the',
  'position',
  'stance',
]);

/** Modal verbs that, followed by "not", negate ("do not approve", "should not adopt"). */
const NEGATABLE_AUXILIARIES = new Set(['do', 'does', 'did', 'should', 'would', 'will', 'can', 'could', 'must', 'shall']);
const LEADING_NEGATIONS = new Set(['not', 'dont', 'doesnt', 'never', 'cannot', 'cant', 'wont', 'shouldnt', 'wouldnt', 'mustnt']);

/** Words that end the decision and start its detail: a reason, a condition, a scope. */
const BOUNDARY_WORDS = new Set([
  'with',
  'if',
  'once',
  'provided',
  'pending',
  'subject',
  'because',
  'since',
  'as',
  'given',
  'assuming',
  'contingent',
  'unless',
  'after',
  'before',
  'so',
  'while',
  'though',
  'although',
  'when',
  'where',
  'but',
]);

/**
 * Words that make an approval (or a yes) conditional when they follow it. Stemmed forms (see stem):
 * "fixes" → "fix", "revisions" → "revision", "conditionally" → "conditional".
 */
const CONDITION_WORDS = new Set([
  'conditional',
  'condition',
  'fix',
  'change',
  'revision',
  'revise',
  'patch',
  'blocker',
  'blocking',
  'required',
  'require',
  'requirement',
  'must',
  'pending',
  'provided',
  'subject',
  'contingent',
  'once',
  'if',
  'unless',
  'after',
  'until',
  'amendment',
  'modification',
  'mitigation',
  'remediation',
  'caveat',
  'reservation',
  'rework',
]);

/** "no changes needed", "without fixes": a condition word right after one of these is not a condition. */
const CONDITION_CANCELLERS = new Set(['no', 'without', 'not', 'zero', 'none', 'nothing']);

/** Extra words that turn a decision into another, composite one: "webhooks" vs "webhooks and polling hybrid". */
const COMPOSITE_WORDS = new Set([
  'and',
  'or',
  'plus',
  'both',
  'hybrid',
  'mixed',
  'combination',
  'combined',
  'except',
  'instead',
  'either',
  'versus',
  'vs',
  'partial',
  'partially',
  'but',
]);

/** Function words that carry no decision. Letters are not here: "A" is a label, kept exact. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'the',
  'an',
  'to',
  'of',
  'for',
  'in',
  'on',
  'at',
  'by',
  'be',
  'is',
  'are',
  'it',
  'its',
  'this',
  'that',
  'these',
  'those',
  'we',
  'us',
  'our',
  'should',
  'would',
  'will',
  'shall',
  'now',
  'just',
  'then',
  'please',
  'do',
  'does',
  'all',
  'any',
  'from',
  'into',
  'via',
]);

/** Lowercase, NFKC, punctuation folded to spaces, whitespace collapsed: "  Adopt  Webhooks. " → "adopt webhooks". */
export function normalizeOption(option: string): string {
  return option
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’‘`]/g, '') // "don't" → "dont": an apostrophe joins, it does not split
    .replace(/[\p{P}\s]+/gu, ' ')
    .trim();
}

/**
 * Plural and adverb endings only — enough for "fixes"/"fix", "revisions"/"revision",
 * "conditionally"/"conditional" — and never on labels ("p0", "3", "a") or short words ("yes", "is").
 */
export function stem(token: string): string {
  if (token.length <= 3 || isLabel(token)) return token;
  if (token.endsWith('ally')) return token.slice(0, -2);
  if (token.endsWith('ies') && token.length > 4) return `${token.slice(0, -3)}y`;
  if (/(ss|x|ch|sh|zz)es$/.test(token)) return token.slice(0, -2);
  if (token.endsWith('s') && !/(ss|us|is)$/.test(token)) return token.slice(0, -1);
  return token;
}

/** A token that names a choice rather than describing one: a letter, a number, "p0", "q3", "v2", "iii". */
export function isLabel(token: string): boolean {
  return /^(\p{L}|\p{N}+(st|nd|rd|th)?|\p{L}\p{N}{1,3}|\p{N}+\p{L}|[ivx]{2,4})$/u.test(token);
}

export interface OptionShape {
  /** normalizeOption of the whole option. */
  normalized: string;
  /** The decision head ("approve", "not approve", "conditionally approve", "option a", …) or null. */
  head: string | null;
  /** Content words of the decision part after the head (the whole decision part when headless), stemmed. */
  object: string[];
  /** Content words after the first boundary: reasons and conditions, stemmed. */
  detail: string[];
  /** Whether the decision part is negated (odd number of negation words; for headed options, a leading negation). */
  negated: boolean;
}

/** Words of an option, with "|" where a punctuation boundary was (dashes, colon, comma, brackets …). */
function wordsWithBoundaries(option: string): string[] {
  const text = option
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’‘`]/g, '')
    // Spaced hyphens and dashes, colons, semicolons, commas, brackets, sentence ends start the detail;
    // a hyphen inside a word ("integration-seam") and a slash ("P0/P1") do not.
    .replace(/\s-+\s|\s-+$|^-+\s|[—–:;,()[\]{}!?]|\.(?=\s|$)/g, ' | ');
  return text
    .split(/\s+/)
    .flatMap((chunk) => (chunk === '|' ? ['|'] : chunk.replace(/[\p{P}\p{S}]+/gu, ' ').split(' ')))
    .filter((word) => word.length > 0);
}

function contentWords(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === '|' || STOP_WORDS.has(word)) continue;
    // "a" is an article unless it stands alone or ends the phrase ("option a", "choose a").
    if (word === 'a' && i < words.length - 1 && words[i + 1] !== '|') continue;
    // "don't", "do not", "never": one negation word, so wordings of one refusal compare equal.
    out.push(LEADING_NEGATIONS.has(word) ? 'not' : stem(word));
  }
  return out;
}

/** Reads an option as [filler] [negation] [conditional] head [object] | detail. Pure; see the file comment. */
export function analyzeOption(option: string): OptionShape {
  const normalized = normalizeOption(option) || option.trim();
  const words = wordsWithBoundaries(option);
  let i = 0;
  // Leading fillers and punctuation: "Vote: approve", "Final decision — reject".
  while (i < words.length && (words[i] === '|' || FILLERS.has(words[i]))) i++;
  // A filler-only option ("Vote") keeps its words.
  if (i >= words.length) i = 0;
  const decisionStart = i;

  let negated = false;
  for (;;) {
    if (LEADING_NEGATIONS.has(words[i])) {
      negated = !negated;
      i++;
    } else if (NEGATABLE_AUXILIARIES.has(words[i]) && words[i + 1] === 'not') {
      negated = !negated;
      i += 2;
    } else {
      break;
    }
  }
  let conditional = false;
  if (words[i] === 'conditional' || words[i] === 'conditionally') {
    conditional = true;
    i++;
  }

  let family: string | null = null;
  const phrase = `${words[i]} ${words[i + 1]}`;
  if (HEAD_PHRASES.has(phrase)) {
    family = HEAD_PHRASES.get(phrase)!;
    i += 2;
  } else if (OPTION_NOUNS.has(words[i]) && words[i + 1] !== undefined && isLabel(words[i + 1]) && words[i + 1] !== '|') {
    family = `option ${words[i + 1]}`;
    i += 2;
  } else if (HEAD_WORDS.has(words[i])) {
    family = HEAD_WORDS.get(words[i])!;
    i++;
    // "Reject and revise": a second decision verb joined to the first is part of the head.
    if (words[i] === 'and' && HEAD_WORDS.has(words[i + 1]) && HEAD_WORDS.get(words[i + 1]) !== family) {
      family = `${family} and ${HEAD_WORDS.get(words[i + 1])}`;
      i += 2;
    }
  } else if (i < words.length && /^\p{L}$/u.test(words[i]) && words.slice(i + 1).every((word) => word === '|')) {
    // A lone letter ("B") names an option.
    family = `option ${words[i]}`;
    i++;
  }

  if (family === null) {
    // Headless: the decision part is everything up to the first boundary, its negations included.
    const end = firstBoundary(words, decisionStart);
    const decision = words.slice(decisionStart, end);
    return {
      normalized,
      head: null,
      object: contentWords(decision),
      detail: contentWords(words.slice(end)),
      negated: decision.filter((word) => NEGATIONS.has(word)).length % 2 === 1,
    };
  }

  if (words[i] === 'conditionally' || words[i] === 'conditional') {
    conditional = true;
    i++;
  }
  const end = firstBoundary(words, i);
  const object = contentWords(words.slice(i, end));
  const detail = contentWords(words.slice(end));
  if ((family === 'approve' || family === 'yes') && !negated && !conditional) conditional = hasCondition(words.slice(i));
  const head = negated ? `not ${family}` : conditional && (family === 'approve' || family === 'yes') ? `conditionally ${family}` : family;
  return { normalized, head, object, detail, negated };
}

function firstBoundary(words: readonly string[], from: number): number {
  for (let j = from; j < words.length; j++) if (words[j] === '|' || BOUNDARY_WORDS.has(words[j])) return j;
  return words.length;
}

function hasCondition(words: readonly string[]): boolean {
  for (let j = 0; j < words.length; j++) {
    if (!CONDITION_WORDS.has(stem(words[j]))) continue;
    const before = words.slice(Math.max(0, j - 2), j);
    if (before.some((word) => CONDITION_CANCELLERS.has(word))) continue;
    return true;
  }
  return false;
}

export type OptionVerdict = 'merge' | 'apart' | 'veto';

/**
 * Whether two options name the same decision. `veto`: they must never share a group, whatever else
 * is in it (different heads, opposite polarity, different labels); `apart`: not the same, but a
 * third option could still bridge them; `merge`: the same decision.
 *
 * `similarity` receives normalized text.
 */
export function compareOptions(a: OptionShape, b: OptionShape, similarity: (a: string, b: string) => number, threshold: number): OptionVerdict {
  if (a.normalized === b.normalized) return 'merge';
  if (a.negated !== b.negated) return 'veto';

  if (a.head !== null && b.head !== null) {
    if (a.head !== b.head) return 'veto';
    // Under a conditional head everything after it is the list of conditions: detail.
    if (a.head.startsWith('conditionally ')) return 'merge';
    return objectsAgree(a.object, b.object, similarity, threshold);
  }

  if (a.head !== null || b.head !== null) {
    // One side names a decision we know, the other does not: only the old lexical rule can tell.
    if (mustNotMerge(a.normalized, b.normalized)) return 'veto';
    return similarity(a.normalized, b.normalized) >= threshold ? 'merge' : 'apart';
  }

  if (mustNotMerge(a.object.join(' '), b.object.join(' ')) || mustNotMerge(a.normalized, b.normalized)) return 'veto';
  const verdict = objectsAgree(a.object, b.object, similarity, threshold);
  if (verdict !== 'apart') return verdict;
  return similarity(a.normalized, b.normalized) >= threshold ? 'merge' : 'apart';
}

function objectsAgree(a: readonly string[], b: readonly string[], similarity: (a: string, b: string) => number, threshold: number): OptionVerdict {
  const labelsA = a.filter(isLabel);
  const labelsB = b.filter(isLabel);
  if (labelsA.length > 0 && labelsB.length > 0 && !sameSet(labelsA, labelsB)) return 'veto';
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  const largeSet = new Set(large);
  if (small.every((word) => largeSet.has(word))) {
    const extra = large.filter((word) => !small.includes(word));
    if (!extra.some((word) => COMPOSITE_WORDS.has(word))) return 'merge';
  }
  if (a.length > 0 && b.length > 0 && similarity(a.join(' '), b.join(' ')) >= threshold) return 'merge';
  return 'apart';
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return setA.size === setB.size && [...setA].every((x) => setB.has(x));
}

/**
 * Maps each raw option to its group's canonical wording. An option joins a group when it merges with
 * at least one member and no member vetoes it — checking every member stops a chain of near matches
 * from carrying "Yes" into "No"; among several such groups, the one holding its most similar member.
 *
 * `options` are the votes (repeats included: each occurrence is a vote). A group's canonical wording is
 * its most voted exact wording (trimmed), ties broken by the earliest.
 */
export function groupOptions(options: readonly string[], similarity: (a: string, b: string) => number, threshold: number): Map<string, string> {
  const groups = groupVariants(options, similarity, threshold);
  const mapping = new Map<string, string>();
  for (const raw of options) {
    const group = groups.find((g) => g.variants.some((v) => v.option === raw.trim()));
    if (group) mapping.set(raw, group.canonical);
  }
  return mapping;
}

export interface OptionGroup {
  canonical: string;
  /** Exact (trimmed) wordings in the group, in first-seen order, with how often each was voted. */
  variants: Array<{ option: string; votes: number }>;
}

/** groupOptions' groups themselves, in first-seen order. */
export function groupVariants(options: readonly string[], similarity: (a: string, b: string) => number, threshold: number): OptionGroup[] {
  const groups: Array<{ members: Array<{ option: string; votes: number; shape: OptionShape }> }> = [];
  for (const raw of options) {
    const option = raw.trim();
    const existing = groups.flatMap((g) => g.members).find((m) => m.option === option);
    if (existing) {
      existing.votes++;
      continue;
    }
    const shape = analyzeOption(option);
    const target = bestGroup(groups, shape, similarity, threshold);
    const member = { option, votes: 1, shape };
    if (target) target.members.push(member);
    else groups.push({ members: [member] });
  }
  return groups.map((g) => ({ canonical: canonicalOf(g.members), variants: g.members.map(({ option, votes }) => ({ option, votes })) }));
}

/**
 * The group an option joins, or null: the one that merges with it and has no member vetoing it,
 * preferring the group holding its most similar member.
 */
export function bestGroup<G extends { members: ReadonlyArray<{ shape: OptionShape }> }>(
  groups: readonly G[],
  shape: OptionShape,
  similarity: (a: string, b: string) => number,
  threshold: number,
): G | null {
  let best: G | null = null;
  let bestScore = -1;
  for (const group of groups) {
    const verdicts = group.members.map((m) => compareOptions(m.shape, shape, similarity, threshold));
    if (verdicts.includes('veto') || !verdicts.includes('merge')) continue;
    const score = Math.max(
      ...group.members.map((m, k) =>
        verdicts[k] === 'merge' ? (m.shape.normalized === shape.normalized ? 2 : similarity(m.shape.normalized, shape.normalized)) : -1,
      ),
    );
    if (score > bestScore) {
      bestScore = score;
      best = group;
    }
  }
  return best;
}

/** The most voted wording; ties broken by the earliest (members are in first-seen order). */
export function canonicalOf(members: ReadonlyArray<{ option: string; votes: number }>): string {
  let best = members[0];
  for (const member of members) if (member.votes > best.votes) best = member;
  return best.option;
}

/** True when two normalized options must stay apart whatever their similarity (the lexical guards). */
export function mustNotMerge(a: string, b: string): boolean {
  if (a === b) return false;
  const tokensA = a.split(' ');
  const tokensB = b.split(' ');
  return differInPolarity(tokensA, tokensB) || namesOpposites(tokensA, tokensB) || differOnlyInLabels(tokensA, tokensB);
}

/** "adopt webhooks" vs "do not adopt webhooks": an odd number of negations flips the meaning. */
function differInPolarity(a: string[], b: string[]): boolean {
  const negations = (tokens: string[]): number => tokens.filter((token) => NEGATIONS.has(token)).length;
  return negations(a) % 2 !== negations(b) % 2;
}

function namesOpposites(a: string[], b: string[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  return OPPOSITES.some(
    ([left, right]) =>
      (setA.has(left) && setB.has(right) && !setA.has(right) && !setB.has(left)) || (setA.has(right) && setB.has(left) && !setA.has(left) && !setB.has(right)),
  );
}

/**
 * "option a" vs "option d", "plan 1" vs "plan 2", "wait 3 months" vs "wait 6 months": same words in the
 * same places except tokens that are labels (a single letter, a number, a roman numeral).
 */
function differOnlyInLabels(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  let differences = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (!isLabelToken(a[i]) || !isLabelToken(b[i])) return false;
    differences++;
  }
  return differences > 0;
}

function isLabelToken(token: string): boolean {
  return /^(\p{L}|\p{N}+|[ivx]{1,4})$/u.test(token) || /^\p{N}+(st|nd|rd|th)?$/u.test(token);
}
