/** What the summary's suggestions are drawn from: plain data, so the rule is tested without a database. */
export interface SuggestionInput {
  totalTokens: number;
  exactTokens: number;
  estimatedTokens: number;
  afterConvergenceTokens: number;
  estimateErrorPct: number;
  participants: Array<{ adapter: string; model: string; totalTokens: number; calls: number; unpricedCalls: number }>;
  /** Every vote cast, in any order. */
  votes: Array<{ deliberationId: string; participantIndex: number; adapter: string; model: string; round: number; voteOption: string }>;
  adapters: Array<{ adapter: string; calls: number; errors: number }>;
}

/** A participant spending at least this share of all tokens, and well over its fair share, is worth a sentence. */
export const DOMINANT_SHARE = 0.4;
/** "Well over": more than this multiple of 1 / (number of participants). */
export const OVER_FAIR_SHARE = 1.2;
/** Tokens spent after convergence above this share suggest a tighter stopping policy. */
export const AFTER_CONVERGENCE_SHARE = 0.1;
export const ESTIMATED_SHARE = 0.5;
export const ERROR_RATE = 0.2;
export const MIN_CALLS_FOR_ERROR_RATE = 5;

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

interface Trail {
  deliberationId: string;
  participantIndex: number;
  /** Votes by round, ascending. */
  votes: Array<{ round: number; option: string }>;
}

function trailsOf(votes: SuggestionInput['votes'], adapter: string, model: string): Trail[] {
  const trails = new Map<string, Trail>();
  for (const vote of votes) {
    if (vote.adapter !== adapter || vote.model !== model) continue;
    const key = `${vote.deliberationId}\u0000${vote.participantIndex}`;
    let trail = trails.get(key);
    if (!trail) {
      trail = { deliberationId: vote.deliberationId, participantIndex: vote.participantIndex, votes: [] };
      trails.set(key, trail);
    }
    trail.votes.push({ round: vote.round, option: vote.voteOption });
  }
  for (const trail of trails.values()) trail.votes.sort((a, b) => a.round - b.round);
  return [...trails.values()];
}

/** Option names compare loosely: "Option A" and "option a " are the same vote. */
const sameOption = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function dominanceSuggestion(input: SuggestionInput, participant: SuggestionInput['participants'][number]): string {
  const share = percent(participant.totalTokens / input.totalTokens);
  // Only trails that voted in two rounds or more can show a mind that never changed.
  const trails = trailsOf(input.votes, participant.adapter, participant.model).filter((t) => t.votes.length >= 2);
  const unchanged = trails.filter((t) => t.votes.every((v) => sameOption(v.option, t.votes[0].option)));
  const only = trails.length === 1 ? trails[0] : null;
  const name = only ? `participant ${only.participantIndex} (${participant.adapter}/${participant.model})` : `${participant.adapter}/${participant.model}`;
  if (trails.length > 0 && unchanged.length === trails.length) {
    const firstRound = Math.min(...trails.map((t) => t.votes[0].round));
    const where = trails.length > 1 ? ` in all ${trails.length} deliberations` : '';
    return `${name} spent ${share} of tokens; its votes never changed after round ${firstRound}${where}: give it the fast tier after the first round or leave it out of later rounds`;
  }
  if (unchanged.length * 2 >= trails.length && unchanged.length > 0) {
    return `${name} spent ${share} of tokens; its votes never changed after its first round in ${unchanged.length} of ${trails.length} deliberations: give it the fast tier after the first round`;
  }
  return `${name} spent ${share} of tokens: consider its fast model, or a smaller maxOutputTokens`;
}

/** Concrete, actionable sentences about where tokens went. Empty when nothing stands out. */
export function suggestUsageChanges(input: SuggestionInput): string[] {
  const suggestions: string[] = [];
  if (input.totalTokens > 0 && input.participants.length >= 2) {
    const ranked = [...input.participants].sort((a, b) => b.totalTokens - a.totalTokens);
    const threshold = Math.max(DOMINANT_SHARE, OVER_FAIR_SHARE / ranked.length);
    for (const participant of ranked) {
      if (participant.totalTokens / input.totalTokens <= threshold) break;
      suggestions.push(dominanceSuggestion(input, participant));
    }
  }
  if (input.totalTokens > 0 && input.afterConvergenceTokens / input.totalTokens >= AFTER_CONVERGENCE_SHARE) {
    suggestions.push(
      `${percent(input.afterConvergenceTokens / input.totalTokens)} of tokens were spent after convergence: lower maxRounds or the convergence threshold`,
    );
  }
  const counted = input.exactTokens + input.estimatedTokens;
  if (counted > 0 && input.estimatedTokens / counted >= ESTIMATED_SHARE) {
    suggestions.push(
      `${percent(input.estimatedTokens / counted)} of tokens were estimated with the tokenizer because providers did not report usage: costs are only known to ±${input.estimateErrorPct}%; prefer adapters that report usage`,
    );
  }
  const unpriced = input.participants.filter((p) => p.unpricedCalls > 0);
  if (unpriced.length > 0) {
    const calls = unpriced.reduce((n, p) => n + p.unpricedCalls, 0);
    const models = [...new Set(unpriced.map((p) => p.model))].sort().join(', ');
    suggestions.push(`${calls} calls used models with no price (${models}), so their cost is missing: add them under prices: in the config`);
  }
  for (const adapter of [...input.adapters].sort((a, b) => a.adapter.localeCompare(b.adapter))) {
    if (adapter.calls >= MIN_CALLS_FOR_ERROR_RATE && adapter.errors / adapter.calls >= ERROR_RATE) {
      suggestions.push(
        `adapter ${adapter.adapter} failed ${adapter.errors} of ${adapter.calls} calls (${percent(adapter.errors / adapter.calls)}): check its configuration, timeout and concurrency`,
      );
    }
  }
  return suggestions;
}
