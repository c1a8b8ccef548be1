import type { HistoryPolicy } from '../deliberation.types';

/** A figure as a range: what a deliberation would cost if it went well, as expected, or badly. */
export interface Range {
  low: number;
  expected: number;
  high: number;
}

export interface EstimateParticipant {
  /** Prompt tokens of round 1 for this participant (system, question, context, stance, instructions). */
  baseTokens: number;
  /** Room for the prompt in the model's context window: history beyond it is trimmed. */
  promptRoomTokens: number;
  /** USD per 1M tokens; null when the model has no price (the cost is then unknown, never $0). */
  price: { input: number; output: number } | null;
}

export interface EstimateInput {
  participants: EstimateParticipant[];
  maxRounds: number;
  policy: HistoryPolicy;
  digestTokens: number;
  /** Tokens of one answer: low (terse), expected (the length asked for), high (the output cap). */
  answerTokens: Range;
  /** The earliest round a deliberation can stop at under the stop rules (the low case). */
  earliestStop: number;
}

export interface RoundEstimate {
  round: number;
  inputTokens: Range;
  tokens: Range;
  costUsd: Range | null;
}

/** What fences and attribution add to each quoted answer. */
const QUOTE_OVERHEAD_TOKENS = 24;

/**
 * Tokens and cost of a deliberation before it runs, per round and in total, as a range. Each round's
 * prompt is round 1's plus the history the policy shows (full: every earlier answer; latest: each
 * participant's latest; digest: own latest in full, the others' as digests), capped by the context
 * window; each answer is `answerTokens`. Low: terse answers and the earliest possible stop; expected:
 * answers of the asked length through every round; high: answers at the output cap through every round.
 */
export function estimateDeliberation(input: EstimateInput): { rounds: RoundEstimate[]; total: Omit<RoundEstimate, 'round'> } {
  const n = input.participants.length;
  const cases = ['low', 'expected', 'high'] as const;
  const rounds: RoundEstimate[] = [];
  for (let round = 1; round <= input.maxRounds; round++) {
    const inputTokens = { low: 0, expected: 0, high: 0 };
    const tokens = { low: 0, expected: 0, high: 0 };
    const cost: Range | null = input.participants.every((p) => p.price) ? { low: 0, expected: 0, high: 0 } : null;
    for (const p of input.participants) {
      for (const c of cases) {
        if (c === 'low' && round > input.earliestStop) continue;
        const answer = input.answerTokens[c];
        const history = historyTokens(input.policy, round, n, answer, input.digestTokens);
        const prompt = p.baseTokens + Math.min(history, Math.max(0, p.promptRoomTokens - p.baseTokens));
        inputTokens[c] += prompt;
        tokens[c] += prompt + answer;
        if (cost && p.price) cost[c] += (prompt * p.price.input + answer * p.price.output) / 1_000_000;
      }
    }
    rounds.push({ round, inputTokens, tokens, costUsd: cost && roundRange(cost) });
  }
  const add = (pick: (r: RoundEstimate) => Range | null): Range | null => {
    const ranges = rounds.map(pick);
    if (ranges.some((r) => r === null)) return null;
    return roundRange({
      low: ranges.reduce((a, r) => a + r!.low, 0),
      expected: ranges.reduce((a, r) => a + r!.expected, 0),
      high: ranges.reduce((a, r) => a + r!.high, 0),
    });
  };
  return { rounds, total: { inputTokens: add((r) => r.inputTokens)!, tokens: add((r) => r.tokens)!, costUsd: add((r) => r.costUsd) } };
}

/** Tokens of earlier answers one participant re-reads in a round under a policy. */
export function historyTokens(policy: HistoryPolicy, round: number, participants: number, answerTokens: number, digestTokens: number): number {
  if (round <= 1) return 0;
  const quoted = answerTokens + QUOTE_OVERHEAD_TOKENS;
  switch (policy) {
    case 'full':
      return (round - 1) * participants * quoted;
    case 'latest':
      return participants * quoted;
    case 'digest':
      return quoted + (participants - 1) * (Math.min(answerTokens, digestTokens) + QUOTE_OVERHEAD_TOKENS);
  }
}

function roundRange(r: Range): Range {
  const six = (x: number) => Math.round(x * 1_000_000) / 1_000_000;
  return { low: six(r.low), expected: six(r.expected), high: six(r.high) };
}
