import type { Outcome, TallyEntry, Vote } from '../deliberation.types';
import { isAbstention } from './ballot';
import { textBeforeVote } from './vote-parser';

export interface FinalVote {
  participantIndex: number;
  vote: Vote | null;
}

export interface Tally {
  /** Sorted by votes, then average confidence (both descending), then the option first seen. */
  tally: TallyEntry[];
  /** Participants without a valid vote, ascending. */
  abstained: number[];
  outcome: Outcome;
  winningOption: string | null;
}

/**
 * Counts final positions. `grouping` maps raw options to their group's canonical spelling (see
 * groupOptions); an option it lacks stands for itself.
 *
 * Outcome: nobody voted → `no_votes` (never unanimous); one option → `unanimous`; two or more options
 * sharing the top → `tie` (no winner); the top option holding more than half the voters → `majority`;
 * otherwise → `plurality`. Abstainers are neither voters nor options.
 */
export function tallyVotes(finalVotes: readonly FinalVote[], grouping: ReadonlyMap<string, string>): Tally {
  const entries = new Map<
    string,
    { option: string; votes: number; confidenceSum: number; participants: number[]; order: number; variants: Map<string, number[]> }
  >();
  const abstained: number[] = [];
  let voters = 0;

  for (const { participantIndex, vote } of finalVotes) {
    if (!vote || isAbstention(vote.option)) {
      abstained.push(participantIndex);
      continue;
    }
    const option = grouping.get(vote.option) ?? grouping.get(vote.option.trim()) ?? vote.option.trim();
    let entry = entries.get(option);
    if (!entry) {
      entry = { option, votes: 0, confidenceSum: 0, participants: [], order: entries.size, variants: new Map() };
      entries.set(option, entry);
    }
    const wording = vote.option.trim();
    entry.variants.set(wording, [...(entry.variants.get(wording) ?? []), participantIndex]);
    entry.votes++;
    entry.confidenceSum += vote.confidence;
    entry.participants.push(participantIndex);
    voters++;
  }

  const sorted = [...entries.values()]
    .map((entry) => ({ ...entry, averageConfidence: entry.confidenceSum / entry.votes }))
    .sort((a, b) => b.votes - a.votes || b.averageConfidence - a.averageConfidence || a.order - b.order);
  const tally: TallyEntry[] = sorted.map(({ option, votes, averageConfidence, participants, variants }) => ({
    option,
    votes,
    averageConfidence,
    participants: [...participants].sort((a, b) => a - b),
    // Most voted wording first; a stable sort keeps the first seen first among equals.
    variants: [...variants.entries()]
      .map(([wording, who]) => ({ option: wording, participants: [...who].sort((a, b) => a - b) }))
      .sort((a, b) => b.participants.length - a.participants.length),
  }));

  return { tally, abstained: abstained.sort((a, b) => a - b), ...outcomeOf(tally, voters) };
}

function outcomeOf(tally: readonly TallyEntry[], voters: number): { outcome: Outcome; winningOption: string | null } {
  if (voters === 0) return { outcome: 'no_votes', winningOption: null };
  const [top, second] = tally;
  if (tally.length === 1) return { outcome: 'unanimous', winningOption: top.option };
  if (second.votes === top.votes) return { outcome: 'tie', winningOption: null };
  if (top.votes * 2 > voters) return { outcome: 'majority', winningOption: top.option };
  return { outcome: 'plurality', winningOption: top.option };
}

/**
 * Whether the valid votes name more than one option after grouping — the `finalVotesSplit` input of
 * assessConvergence. Abstentions (no vote, or an explicit "abstain") are ignored; no votes at all is not
 * a split.
 */
export function votesSplit(votes: ReadonlyArray<Vote | null>, grouping: ReadonlyMap<string, string>): boolean {
  const options = new Set<string>();
  for (const vote of votes) {
    if (!vote || isAbstention(vote.option)) continue;
    options.add(grouping.get(vote.option) ?? vote.option.trim());
  }
  return options.size > 1;
}

export interface RoundVotes {
  responses: ReadonlyArray<{ participantIndex: number; vote: Vote | null }>;
}

/**
 * Each participant's latest valid vote across rounds (oldest round first), ordered by participant.
 * A participant that never voted validly is listed with `vote: null`. Pass `participants` to list
 * participants that have no response at all (they abstain too).
 */
export function latestValidVotes(rounds: readonly RoundVotes[], participants: readonly number[] = []): FinalVote[] {
  const latest = new Map<number, Vote | null>();
  for (const index of participants) latest.set(index, null);
  for (const round of rounds) {
    for (const response of round.responses) {
      if (response.vote) latest.set(response.participantIndex, response.vote);
      else if (!latest.has(response.participantIndex)) latest.set(response.participantIndex, null);
    }
  }
  return [...latest.entries()].sort(([a], [b]) => a - b).map(([participantIndex, vote]) => ({ participantIndex, vote }));
}

export interface FinalPosition {
  participantIndex: number;
  adapter: string;
  model: string;
  text: string;
  vote: Vote | null;
}

const SUMMARY_PIECE_CHARS = 240;

/**
 * A short plain summary of the final positions, one line per participant, built from the answers
 * (no model call): "#0 claude (claude-sonnet-4-6) chose 'Adopt webhooks' (0.85): <rationale or the
 * answer's first sentence>".
 */
export function summarizePositions(finals: readonly FinalPosition[]): string {
  return finals
    .map((final) => {
      const who = `#${final.participantIndex} ${oneLine(final.adapter, 60)} (${oneLine(final.model, 80)})`;
      if (!final.vote) {
        const gist = firstSentences(textBeforeVote(final.text), 1);
        return gist ? `${who} cast no valid vote: ${gist}` : `${who} cast no valid vote.`;
      }
      const reason = oneLine(final.vote.rationale, SUMMARY_PIECE_CHARS) || firstSentences(textBeforeVote(final.text), 1);
      const choice = `${who} chose '${oneLine(final.vote.option, 120)}' (${final.vote.confidence.toFixed(2)})`;
      return reason ? `${choice}: ${reason}` : choice;
    })
    .join('\n');
}

/** The first `count` sentences of a text, on one line, at most `maxChars` long. */
export function firstSentences(text: string, count: number, maxChars = SUMMARY_PIECE_CHARS): string {
  // Only the head matters; never scan (or copy) a huge answer whole.
  const head = oneLine(text.slice(0, maxChars * 4), maxChars * 4)
    .replace(/[#>*_`]+/g, '')
    .trim();
  let end = 0;
  for (let found = 0; found < count; found++) {
    const next = head.slice(end).search(/[.!?](\s|$)/);
    if (next < 0) {
      end = head.length;
      break;
    }
    end += next + 1;
  }
  const sentence = head.slice(0, end || head.length).trim();
  return sentence.length > maxChars ? `${sentence.slice(0, maxChars - 1).trimEnd()}…` : sentence;
}

/** A text on one line (whitespace runs collapsed), at most `maxChars` long. */
export function oneLine(text: string, maxChars: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1).trimEnd()}…` : line;
}
