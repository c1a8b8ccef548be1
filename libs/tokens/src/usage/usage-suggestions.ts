/** Tokens and cost (micro-dollars; null when any part is unpriced). */
export interface Spend {
  tokens: number;
  costMicros: number | null;
}

/** What the summary's suggestions are drawn from: plain data, so the rule is tested without a database. */
export interface SuggestionInput {
  totalTokens: number;
  exactTokens: number;
  estimatedTokens: number;
  /** The calls made after convergence (confirming rounds), and where. */
  afterConvergence: Spend & { deliberations: number; rounds: number };
  estimateErrorPct: number;
  participants: Array<{ adapter: string; model: string; totalTokens: number; calls: number; unpricedCalls: number }>;
  /** Every vote cast, in any order, with what the answer carrying it used. */
  votes: Array<{ deliberationId: string; participantIndex: number; adapter: string; model: string; round: number; voteOption: string } & Spend>;
  /** Calls and failed calls per adapter, and what the failed ones spent. */
  adapters: Array<{ adapter: string; calls: number; errors: number; failedSpend?: Spend }>;
}

export type SuggestionKind = 'dominant_participant' | 'after_convergence' | 'estimated_tokens' | 'unpriced_models' | 'adapter_errors';

/** One suggestion: the sentence, and what acting on it would have saved over the window (null when that cannot be said). */
export interface Suggestion {
  kind: SuggestionKind;
  text: string;
  savings: { tokens: number; usd: number | null } | null;
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
  votes: Array<{ round: number; option: string } & Spend>;
}

/** "41.2k tokens, $0.62": how the suggestions state an amount. */
export function describeSpend(spend: Spend): string {
  const tokens =
    spend.tokens >= 1_000_000 ? `${round1(spend.tokens / 1_000_000)}M` : spend.tokens >= 1_000 ? `${round1(spend.tokens / 1_000)}k` : `${spend.tokens}`;
  return `${tokens} tokens, ${spend.costMicros === null ? 'cost unknown (unpriced models)' : usd(spend.costMicros)}`;
}
const round1 = (n: number): string => String(Math.round(n * 10) / 10);
/** Cents for a dollar or more; two significant digits below, so $0.0031 does not read as $0.00. */
const usd = (micros: number): string => {
  const dollars = micros / 1_000_000;
  return dollars >= 1 || dollars === 0 ? `$${dollars.toFixed(2)}` : `$${Number(dollars.toPrecision(2))}`;
};
const sumSpend = (spends: Spend[]): Spend => ({
  tokens: spends.reduce((n, s) => n + s.tokens, 0),
  costMicros: spends.some((s) => s.costMicros === null) ? null : spends.reduce((n, s) => n + s.costMicros!, 0),
});
const savingsOf = (spend: Spend): Suggestion['savings'] => ({ tokens: spend.tokens, usd: spend.costMicros === null ? null : spend.costMicros / 1_000_000 });

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
    trail.votes.push({ round: vote.round, option: vote.voteOption, tokens: vote.tokens, costMicros: vote.costMicros });
  }
  for (const trail of trails.values()) trail.votes.sort((a, b) => a.round - b.round);
  return [...trails.values()];
}

/** Option names compare loosely: "Option A" and "option a " are the same vote. */
const sameOption = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function dominanceSuggestion(input: SuggestionInput, participant: SuggestionInput['participants'][number]): Suggestion {
  const share = percent(participant.totalTokens / input.totalTokens);
  // Only trails that voted in two rounds or more can show a mind that never changed.
  const trails = trailsOf(input.votes, participant.adapter, participant.model).filter((t) => t.votes.length >= 2);
  const unchanged = trails.filter((t) => t.votes.every((v) => sameOption(v.option, t.votes[0].option)));
  const only = trails.length === 1 ? trails[0] : null;
  const name = only ? `participant ${only.participantIndex} (${participant.adapter}/${participant.model})` : `${participant.adapter}/${participant.model}`;
  // What its answers after its first round cost where they only repeated that vote: leaving it out of those rounds saves all of it.
  const later = sumSpend(unchanged.flatMap((t) => t.votes.slice(1)));
  const saved = `${describeSpend(later)} in its later rounds`;
  if (trails.length > 0 && unchanged.length === trails.length) {
    const firstRound = Math.min(...trails.map((t) => t.votes[0].round));
    const where = trails.length > 1 ? ` in all ${trails.length} deliberations` : '';
    return {
      kind: 'dominant_participant',
      text: `${name} spent ${share} of tokens; its votes never changed after round ${firstRound}${where} (${saved}): give it the fast tier after the first round or leave it out of later rounds`,
      savings: savingsOf(later),
    };
  }
  if (unchanged.length * 2 >= trails.length && unchanged.length > 0) {
    return {
      kind: 'dominant_participant',
      text: `${name} spent ${share} of tokens; its votes never changed after its first round in ${unchanged.length} of ${trails.length} deliberations (${saved}): give it the fast tier after the first round`,
      savings: savingsOf(later),
    };
  }
  return { kind: 'dominant_participant', text: `${name} spent ${share} of tokens: consider its fast model, or a smaller maxOutputTokens`, savings: null };
}

/**
 * Concrete, actionable sentences about where tokens went, each with what acting on it would have saved
 * over the window where that can be said. Empty when nothing stands out.
 */
export function suggestUsageChanges(input: SuggestionInput): Suggestion[] {
  const suggestions: Suggestion[] = [];
  if (input.totalTokens > 0 && input.participants.length >= 2) {
    const ranked = [...input.participants].sort((a, b) => b.totalTokens - a.totalTokens);
    const threshold = Math.max(DOMINANT_SHARE, OVER_FAIR_SHARE / ranked.length);
    for (const participant of ranked) {
      if (participant.totalTokens / input.totalTokens <= threshold) break;
      suggestions.push(dominanceSuggestion(input, participant));
    }
  }
  const after = input.afterConvergence;
  if (input.totalTokens > 0 && after.tokens / input.totalTokens >= AFTER_CONVERGENCE_SHARE) {
    const deliberations = after.deliberations === 1 ? '1 deliberation' : `${after.deliberations} deliberations`;
    const rounds = after.rounds === 1 ? '1 confirming round' : `${after.rounds} confirming rounds`;
    suggestions.push({
      kind: 'after_convergence',
      text: `${deliberations} ran ${rounds} after convergence: ${describeSpend(after)} (${percent(after.tokens / input.totalTokens)} of tokens); lower maxRounds or the convergence threshold`,
      savings: savingsOf(after),
    });
  }
  const counted = input.exactTokens + input.estimatedTokens;
  if (counted > 0 && input.estimatedTokens / counted >= ESTIMATED_SHARE) {
    suggestions.push({
      kind: 'estimated_tokens',
      text: `${percent(input.estimatedTokens / counted)} of tokens were estimated with the tokenizer because providers did not report usage: costs are only known to ±${input.estimateErrorPct}%; prefer adapters that report usage`,
      savings: null,
    });
  }
  const unpriced = input.participants.filter((p) => p.unpricedCalls > 0);
  if (unpriced.length > 0) {
    const calls = unpriced.reduce((n, p) => n + p.unpricedCalls, 0);
    const models = [...new Set(unpriced.map((p) => p.model))].sort().join(', ');
    suggestions.push({
      kind: 'unpriced_models',
      text: `${calls} calls used models with no price (${models}), so their cost is missing: add them under prices: in the config`,
      savings: null,
    });
  }
  for (const adapter of [...input.adapters].sort((a, b) => a.adapter.localeCompare(b.adapter))) {
    if (adapter.calls >= MIN_CALLS_FOR_ERROR_RATE && adapter.errors / adapter.calls >= ERROR_RATE) {
      const wasted = adapter.failedSpend ?? { tokens: 0, costMicros: 0 };
      suggestions.push({
        kind: 'adapter_errors',
        text: `adapter ${adapter.adapter} failed ${adapter.errors} of ${adapter.calls} calls (${percent(adapter.errors / adapter.calls)}; the failed calls spent ${describeSpend(wasted)}): check its configuration, timeout and concurrency`,
        savings: savingsOf(wasted),
      });
    }
  }
  return suggestions;
}
