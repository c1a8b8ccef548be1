/**
 * Merges vote options that mean the same before tallying, so "Adopt webhooks" and "adopt webhooks."
 * count as one option. Similarity alone is a poor judge of short options — "Option A" and "Option D"
 * share half their words and "Yes"/"No" are both one word — so two guards veto a merge whatever the
 * score: opposite polarity (negation, antonym pairs) and options that differ only in label tokens.
 */

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'dont',
  'doesnt',
  'shouldnt',
  'wont',
  'cannot',
  'cant',
  'without',
  'nor',
  'neither',
  'none',
]);

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
 * Maps each raw option to its group's canonical spelling: the first spelling seen. An option joins the
 * first group it equals after normalization, else the group it is most similar to (≥ threshold, the
 * score taken against the group's closest member) unless a guard vetoes the merge against ANY member —
 * checking every member stops a chain of near matches from carrying "Yes" into "No".
 *
 * `similarity` receives normalized options.
 */
export function groupOptions(
  options: readonly string[],
  similarity: (a: string, b: string) => number,
  threshold: number,
): Map<string, string> {
  const groups: Array<{ canonical: string; members: string[] }> = [];
  const mapping = new Map<string, string>();

  for (const raw of options) {
    if (mapping.has(raw)) continue;
    const normalized = normalizeOption(raw) || raw.trim();

    let target = groups.find((group) => group.members.includes(normalized));
    if (!target) {
      let bestScore = -1;
      for (const group of groups) {
        if (group.members.some((member) => mustNotMerge(member, normalized))) continue;
        const score = Math.max(...group.members.map((member) => similarity(member, normalized)));
        if (score >= threshold && score > bestScore) {
          bestScore = score;
          target = group;
        }
      }
    }

    if (target) {
      if (!target.members.includes(normalized)) target.members.push(normalized);
      mapping.set(raw, target.canonical);
    } else {
      groups.push({ canonical: raw.trim(), members: [normalized] });
      mapping.set(raw, raw.trim());
    }
  }
  return mapping;
}

/** True when two normalized options must stay apart whatever their similarity. */
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
      (setA.has(left) && setB.has(right) && !setA.has(right) && !setB.has(left)) ||
      (setA.has(right) && setB.has(left) && !setA.has(left) && !setB.has(right)),
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
    if (!isLabel(a[i]) || !isLabel(b[i])) return false;
    differences++;
  }
  return differences > 0;
}

function isLabel(token: string): boolean {
  return /^(\p{L}|\p{N}+|[ivx]{1,4})$/u.test(token) || /^\p{N}+(st|nd|rd|th)?$/u.test(token);
}
