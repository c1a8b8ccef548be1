import type { ConvergenceAssessment, ConvergenceStatus } from '../deliberation.types';
import { buildIdf, jaccard, tfidfCosineWith, type SimilarityBackend, type SimilarityFn } from './similarity';

export interface ConvergenceSettings {
  backend: SimilarityBackend;
  /** Score at or above which a comparison counts towards convergence. */
  threshold: number;
  /** Comparisons in a row at or above the threshold needed to call it converged (this one included). */
  consecutive: number;
  /** Score below which positions are diverging. */
  divergingBelow: number;
  /** Diverging comparisons in a row (this one included) that make an impasse. */
  impasseAfter: number;
}

export const DEFAULT_CONVERGENCE_SETTINGS: ConvergenceSettings = {
  backend: 'tfidf',
  threshold: 0.85,
  consecutive: 2,
  divergingBelow: 0.4,
  impasseAfter: 3,
};

export interface RoundAnswer {
  participantIndex: number;
  text: string;
}

export interface ConvergenceInput {
  previous: readonly RoundAnswer[];
  current: readonly RoundAnswer[];
  /**
   * Earlier comparisons, oldest first: one entry per round that was assessed. A round that could not
   * be assessed (nobody comparable) is simply not in it, so it neither breaks nor extends a streak.
   */
  history: ReadonlyArray<{ score: number; status: ConvergenceStatus }>;
  /** The latest valid votes are not all one option (after grouping). */
  finalVotesSplit: boolean;
  settings?: Partial<ConvergenceSettings>;
  /** Overrides the backend, e.g. an embeddings similarity; receives the two texts and the corpus. */
  similarity?: SimilarityFn;
}

/**
 * Compares each participant's answer with its own answer in the previous round; the round's score is
 * the minimum, so one participant still moving keeps the round from counting as settled.
 *
 * Returns null when no participant answered in both rounds (nothing to compare).
 *
 * Timing: the first comparison happens at round 2, so with `consecutive` = 2 the earliest `converged`
 * is round 3 (comparisons 1→2 and 2→3 both at or above the threshold).
 *
 * Positions that converged while the final votes are still split are a stalemate: `impasse`, not
 * `converged`. So are `impasseAfter` diverging comparisons in a row.
 */
export function assessConvergence(input: ConvergenceInput): ConvergenceAssessment | null {
  const settings = { ...DEFAULT_CONVERGENCE_SETTINGS, ...definedOnly(input.settings ?? {}) };
  const previousByParticipant = new Map<number, string>();
  for (const answer of input.previous) previousByParticipant.set(answer.participantIndex, answer.text);

  const pairs = input.current
    .filter((answer) => previousByParticipant.has(answer.participantIndex))
    .map((answer) => ({
      participantIndex: answer.participantIndex,
      before: previousByParticipant.get(answer.participantIndex) as string,
      after: answer.text,
    }));
  if (pairs.length === 0) return null;

  const compare = comparator(settings.backend, input);
  const perParticipant = pairs.map((pair) => ({
    participantIndex: pair.participantIndex,
    similarity: compare(pair.before, pair.after),
  }));
  const score = Math.min(...perParticipant.map((entry) => entry.similarity));

  return { score, status: statusFor(score, input.history, input.finalVotesSplit, settings), perParticipant };
}

export function statusFor(
  score: number,
  history: ReadonlyArray<{ score: number }>,
  finalVotesSplit: boolean,
  settings: ConvergenceSettings,
): ConvergenceStatus {
  if (score >= settings.threshold) {
    const streak = 1 + trailingCount(history, (entry) => entry.score >= settings.threshold);
    if (streak >= settings.consecutive) return finalVotesSplit ? 'impasse' : 'converged';
    return 'refining';
  }
  if (score < settings.divergingBelow) {
    const streak = 1 + trailingCount(history, (entry) => entry.score < settings.divergingBelow);
    return streak >= settings.impasseAfter ? 'impasse' : 'diverging';
  }
  return 'refining';
}

function comparator(backend: SimilarityBackend, input: ConvergenceInput): (a: string, b: string) => number {
  const corpus = [...input.previous, ...input.current].map((answer) => answer.text);
  if (input.similarity) {
    const similarity = input.similarity;
    return (a, b) => similarity(a, b, corpus);
  }
  switch (backend) {
    case 'tfidf': {
      // One IDF for the whole round: every participant is compared over the same two rounds.
      const idf = buildIdf(corpus);
      return (a, b) => tfidfCosineWith(a, b, idf);
    }
    case 'jaccard':
      return jaccard;
  }
}

function trailingCount<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let count = 0;
  for (let i = items.length - 1; i >= 0 && predicate(items[i]); i--) count++;
  return count;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The score trend the tier selector reads: round 1 has no convergence score (nothing to compare with),
 * so it counts as its vote agreement (the largest group's share of the valid votes). With it the
 * "score dropped" and "settled and rising" rules, which need two scores, can act from round 3 instead
 * of round 4 — with the default 3 rounds, at all.
 */
export function scoreTrend(
  state: {
    rounds: ReadonlyArray<{
      number: number;
      convergence: { score: number } | null;
      responses: ReadonlyArray<{ error: unknown; vote: { option: string } | null }>;
    }>;
  },
  group: (options: string[]) => Map<string, string>,
): number[] {
  return state.rounds.flatMap((r) => {
    if (r.convergence) return [r.convergence.score];
    if (r.number !== 1) return [];
    const options = r.responses.flatMap((x) => (!x.error && x.vote ? [x.vote.option] : []));
    if (options.length === 0) return [];
    const grouping = group(options);
    const sizes = new Map<string, number>();
    for (const o of options) sizes.set(grouping.get(o) ?? o, (sizes.get(grouping.get(o) ?? o) ?? 0) + 1);
    return [Math.max(...sizes.values()) / options.length];
  });
}
