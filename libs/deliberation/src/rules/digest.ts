import type { HistoryPolicy, Vote } from '../deliberation.types';
import { neutralizeDelimiters } from './prompt-templates';
import { firstSentences, oneLine } from './result';
import { parseVote, textBeforeVote } from './vote-parser';

export type { HistoryPolicy };
export const HISTORY_POLICIES: readonly HistoryPolicy[] = ['full', 'latest', 'digest'];

/**
 * Words that mark a sentence as carrying a claim rather than colour: a recommendation, a reason, a
 * risk, a condition or a point of (dis)agreement. Extractive and deterministic on purpose: a digest is
 * built once per answer and must read the same to every participant, with no model call.
 */
const CLAIM_MARKERS =
  /\b(recommend\w*|should|must|need\w*|propos\w*|because|therefore|so that|risk\w*|cost\w*|however|but|unless|only if|require\w*|critical|key|main|disagree\w*|agree\w*|instead|conclu\w*|trade-?off|block\w*|fix\w*|concern\w*|approve\w*|reject\w*)\b/i;

/** One candidate claim: a list item or a sentence, with where it stood in the answer. */
interface Claim {
  text: string;
  position: number;
  score: number;
}

/**
 * The answer as a digest for other participants: its vote (option, confidence, rationale), its
 * opening, then its key claims in the order they were made, within `maxTokens` (the opening and vote
 * always; claims while they fit). List items and sentences with claim markers are preferred; among
 * equals, earlier ones.
 */
export function digestAnswer(text: string, maxTokens: number, count: (text: string) => number, knownVote?: Vote | null): string {
  const vote = knownVote !== undefined ? knownVote : parseVote(text).vote;
  const body = textBeforeVote(text);
  // Headings ("## Position") are structure, not the opening's words.
  const opening = firstSentences(body.slice(0, 8_000).replace(/^\s*#{1,6}\s.*$/gm, ''), 2, 400);
  const voteLine = digestVoteLine(vote);
  const head = [voteLine, `Opening: ${opening || '(empty)'}`];
  let used = count(head.join('\n')) + count('Key claims:');
  const chosen: Claim[] = [];
  for (const claim of rankClaims(body, opening)) {
    const line = `- ${claim.text}`;
    const tokens = count(line) + 1;
    if (used + tokens > maxTokens) continue;
    used += tokens;
    chosen.push(claim);
  }
  chosen.sort((a, b) => a.position - b.position);
  const lines = chosen.length ? [...head, 'Key claims:', ...chosen.map((c) => `- ${c.text}`)] : head;
  return neutralizeDelimiters(lines.join('\n'));
}

/** Claims, best first: list items and marked sentences (both before either), earlier over later. */
function rankClaims(body: string, opening: string): Claim[] {
  const claims: Claim[] = [];
  const seen = new Set<string>();
  let position = 0;
  // Never scan a huge answer whole: the claims that matter come early in real answers.
  for (const rawLine of body.slice(0, 40_000).split('\n')) {
    const line = rawLine.trim();
    if (!line || /^#{1,6}\s/.test(line) || /^[-*_=]{3,}$/.test(line) || line.startsWith('```')) continue;
    const item = /^(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(line);
    const pieces = item ? [item[1]] : line.split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])/);
    for (const piece of pieces) {
      const text = oneLine(piece.replace(/[*_`]+/g, ''), 240);
      position++;
      if (text.length < 25 || seen.has(text) || opening.includes(text.slice(0, 60))) continue;
      seen.add(text);
      const score = (item ? 2 : 0) + (CLAIM_MARKERS.test(text) ? 2 : 0) - position / 1000;
      // Plain sentences without a claim marker are colour; a digest leaves them out.
      if (score <= 0) continue;
      claims.push({ text, position, score });
    }
  }
  return claims.sort((a, b) => b.score - a.score || a.position - b.position);
}

/** An earlier answer as the policy selects it. */
export interface PolicyAnswer<R> {
  round: number;
  response: R;
  /** Shown as its digest rather than in full. */
  digest: boolean;
}

/**
 * What a participant re-reads under a history policy. `full`: every earlier round as it is. `latest`
 * and `digest`: each participant's most recent answer only (its round kept for attribution); under
 * `digest` every answer but the reader's own is shown as its digest. Rounds left out are returned so
 * the prompt can say so in one line.
 */
export function selectHistory<R extends { participantIndex: number }>(
  history: ReadonlyArray<{ round: number; responses: readonly R[] }>,
  policy: HistoryPolicy,
  selfIndex: number,
): { rounds: Array<{ round: number; answers: Array<PolicyAnswer<R>> }>; omittedRounds: number[] } {
  if (policy === 'full') {
    return {
      rounds: history.map((h) => ({ round: h.round, answers: h.responses.map((response) => ({ round: h.round, response, digest: false })) })),
      omittedRounds: [],
    };
  }
  const latest = new Map<number, PolicyAnswer<R>>();
  for (const entry of history) {
    for (const response of entry.responses) {
      latest.set(response.participantIndex, { round: entry.round, response, digest: policy === 'digest' && response.participantIndex !== selfIndex });
    }
  }
  const byRound = new Map<number, Array<PolicyAnswer<R>>>();
  for (const answer of [...latest.values()].sort((a, b) => a.response.participantIndex - b.response.participantIndex)) {
    byRound.set(answer.round, [...(byRound.get(answer.round) ?? []), answer]);
  }
  const rounds = [...byRound.entries()].sort(([a], [b]) => a - b).map(([round, answers]) => ({ round, answers }));
  const kept = new Set(rounds.map((r) => r.round));
  return { rounds, omittedRounds: history.map((h) => h.round).filter((round) => !kept.has(round)) };
}

/** The ledger's participant index of the digest adapter's calls: the deliberation's own calls (see CHAIR_PARTICIPANT). */
export const DIGEST_PARTICIPANT = -3;

/** A digest's first line: the vote, so every digest (extractive or written by a model) shows it the same way. */
export function digestVoteLine(vote: Vote | null): string {
  return vote
    ? `Vote: ${oneLine(vote.option, 160)} (confidence ${vote.confidence.toFixed(2)})${vote.rationale ? ` — ${oneLine(vote.rationale, 300)}` : ''}`
    : 'Vote: none given';
}
