import type { Vote } from '../deliberation.types';
import { analyzeOption, bestGroup, canonicalOf, normalizeOption, type OptionShape } from './vote-grouping';

/**
 * The ballot: the distinct options voted so far (after grouping), each with a short label that never
 * changes once given, shown to every participant from round 2 on so that votes for one decision come
 * back in one wording — prevention, where grouping is the cure.
 *
 * Labels are letters (A, B, … Z, AA, AB …) unless the question itself names lettered alternatives
 * ("Option A", "Plan B", a line starting "A)"): then a voter's "Option B" means the question's B, not
 * the ballot's, so the ballot numbers its entries (1, 2, …) instead and "Option B" is read as wording.
 */

export type BallotScheme = 'letters' | 'numbers';

export interface BallotEntry {
  label: string;
  /** The canonical wording: the most voted variant, ties broken by the earliest. */
  option: string;
  /** The round it was first voted in. */
  round: number;
  /** Exact (trimmed) wordings merged into this entry, first seen first, with their votes across rounds. */
  variants: Array<{ option: string; votes: number }>;
}

export interface Ballot {
  scheme: BallotScheme;
  entries: BallotEntry[];
}

type Similarity = (a: string, b: string) => number;

/**
 * "Option B", "Plan (C)", "alternative d", a line starting "A)", "(B)", "C." or "D:", or a line that is
 * a lone letter (a round-1 vote "B").
 */
const LETTERED_ALTERNATIVE =
  /\b(?:option|plan|alternative|proposal|choice|variant|approach)\s*\(?[a-z]\)?(?![\p{L}\p{N}])|^\s*\(?[a-z][).:]\s|^\s*[([]?[a-z][)\]]?\s*$/imu;

/**
 * The label scheme for a deliberation, decided once when its ballot is created, from its question,
 * context and first votes: letters unless any of them already uses lettered alternatives.
 */
export function ballotScheme(texts: ReadonlyArray<string | undefined>): BallotScheme {
  return texts.some((text) => text !== undefined && LETTERED_ALTERNATIVE.test(text)) ? 'numbers' : 'letters';
}

/** The n-th label (0-based): A … Z, AA, AB … for letters; 1, 2 … for numbers. */
export function ballotLabel(index: number, scheme: BallotScheme): string {
  if (scheme === 'numbers') return String(index + 1);
  let label = '';
  let n = index;
  do {
    label = String.fromCharCode(65 + (n % 26)) + label;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return label;
}

/**
 * The ballot after a round: each valid vote (abstentions left out) joins the entry it names — by label
 * (the parser already resolved it to the entry's wording) or by wording that merges under the grouping
 * rule with no variant vetoing it — or opens a new entry with the next label. Entries and labels are
 * never removed or renumbered; an entry's wording may change as its variants gather votes.
 */
export function updateBallot(
  ballot: Ballot | undefined,
  round: number,
  votes: ReadonlyArray<Pick<Vote, 'option' | 'ballotLabel'>>,
  scheme: BallotScheme,
  similarity: Similarity,
  threshold: number,
): Ballot {
  const entries = (ballot?.entries ?? []).map((entry) => ({ ...entry, variants: entry.variants.map((v) => ({ ...v })) }));
  const chosenScheme = ballot?.scheme ?? scheme;
  const shaped = entries.map((entry) => ({ entry, members: entry.variants.map((v) => ({ shape: analyzeOption(v.option) })) }));

  for (const vote of votes) {
    const option = vote.option.trim();
    if (!option || isAbstention(option)) continue;
    let target = vote.ballotLabel ? shaped.find((s) => s.entry.label === vote.ballotLabel) : undefined;
    const shape: OptionShape = analyzeOption(option);
    target ??= shaped.find((s) => s.entry.variants.some((v) => v.option === option)) ?? bestGroup(shaped, shape, similarity, threshold) ?? undefined;
    if (!target) {
      const entry: BallotEntry = { label: ballotLabel(entries.length, chosenScheme), option, round, variants: [] };
      entries.push(entry);
      target = { entry, members: [] };
      shaped.push(target);
    }
    const variant = target.entry.variants.find((v) => v.option === option);
    if (variant) {
      variant.votes++;
    } else {
      target.entry.variants.push({ option, votes: 1 });
      target.members.push({ shape });
    }
    target.entry.option = canonicalOf(target.entry.variants);
  }
  return { scheme: chosenScheme, entries };
}

/** An explicit "abstain" vote is an abstention, not an option that could win or enter the ballot. */
export function isAbstention(option: string): boolean {
  return ABSTENTIONS.has(normalizeOption(option));
}

const ABSTENTIONS = new Set(['abstain', 'abstention', 'abstained']);

/**
 * "B", "b", "(B)", "[B]", "Option B", "option (B)", "Ballot B", "B) …", "B: …", "B — …" (letters
 * scheme); "2", "#2", "Option 2", "(2)", "2. …" (numbers scheme). Captures the label and what follows.
 */
function labelReference(option: string, scheme: BallotScheme): { label: string; rest: string } | null {
  const label = scheme === 'letters' ? '([A-Za-z]{1,2})' : '#?(\\d{1,3})';
  const pattern = new RegExp(
    `^(?:(?:ballot\\s+)?(?:option|label|choice)\\s*|ballot\\s*)?[([]?\\s*${label}\\s*[)\\]]?(?:\\s*(?:[.:)]|\\s[-—–])\\s*(.*)|\\s*)$`,
    'isu',
  );
  const match = pattern.exec(option.trim());
  if (!match) return null;
  // Two letters only as a label on its own ("AB"): "Go" or "No" followed by words is not a label.
  if (scheme === 'letters' && match[1].length === 2 && match[1] !== match[1].toUpperCase()) return null;
  return { label: match[1].toUpperCase(), rest: (match[2] ?? '').trim() };
}

/**
 * Maps a vote to the ballot entry it names: its exact wording (any variant of an entry, compared after
 * normalization) or its label. A label vote takes the entry's wording and remembers what was written.
 * A label followed by wording of another decision ("B — reject" when B is "Approve") trusts the
 * wording: the label is dropped and the wording stands as the vote. Anything else — a label that does
 * not exist included — is a new option, unchanged; never an error.
 */
export function resolveBallotVote(vote: Vote, ballot: Ballot | undefined): Vote {
  if (!ballot || ballot.entries.length === 0) return vote;
  const byWording = entryByWording(ballot, vote.option);
  if (byWording) return { ...vote, ballotLabel: byWording.label };

  const reference = labelReference(vote.option, ballot.scheme);
  const entry = reference && ballot.entries.find((e) => e.label === reference.label);
  if (!reference || !entry) return vote;
  if (reference.rest === '') return { ...vote, option: entry.option, ballotLabel: entry.label, writtenOption: vote.option };
  const restEntry = entryByWording(ballot, reference.rest);
  if (restEntry === entry) return { ...vote, option: entry.option, ballotLabel: entry.label, writtenOption: vote.option };
  return { ...vote, option: reference.rest, writtenOption: vote.option };
}

function entryByWording(ballot: Ballot, option: string): BallotEntry | undefined {
  const normalized = normalizeOption(option);
  if (!normalized) return undefined;
  return ballot.entries.find((entry) => normalizeOption(entry.option) === normalized || entry.variants.some((v) => normalizeOption(v.option) === normalized));
}
