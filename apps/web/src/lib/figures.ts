import type { components } from '../api/schema';

/** Pure figures behind the page's views: arguments in, value out (time passed in), unit-tested in test/web-figures.spec.ts. */

type S = components['schemas'];
type Deliberation = S['DeliberationViewDto'];
type Event = S['DeliberationEventDto'];

export function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return n.toLocaleString('en-US');
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/** "2 h 5 min", "3 d 4 h", "40 s": the two largest units. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const units: Array<[string, number]> = [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (parts.length === 0 && size === 1)) parts.push(`${n} ${name}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

interface CostFigures {
  costUsd: number | null;
  costLowerUsd: number | null;
  costUpperUsd: number | null;
  unpricedCalls: number;
}

/**
 * A cost as the page shows it: a range when part of it is estimated, and never "$0" when a model has no
 * price ("unpriced" says the cost is unknown, "+ unpriced" that some of it is).
 */
export function costRange(f: CostFigures): string {
  const unpriced = f.unpricedCalls > 0 ? 'unpriced' : null;
  if (f.costUsd === null) return unpriced ?? '—';
  const low = f.costLowerUsd ?? f.costUsd;
  const high = f.costUpperUsd ?? f.costUsd;
  const priced = formatUsd(low) === formatUsd(high) ? formatUsd(f.costUsd) : `${formatUsd(low)}–${formatUsd(high)}`;
  return unpriced ? `${priced} + unpriced` : priced;
}

/** Shares of tokens whose count is exact, estimated, or whose model has no price (0..1 each, summing to 1). */
export function pricingCoverage(groups: ReadonlyArray<S['UsageGroupDto']>): { exact: number; estimated: number; unpriced: number; tokens: number } {
  let exact = 0;
  let estimated = 0;
  let unpriced = 0;
  for (const g of groups) {
    const counted = g.exactTokens + g.estimatedTokens;
    if (counted === 0) continue;
    // Unpriced calls' tokens are not told apart from the group's others: their share of the calls stands in.
    const unpricedShare = g.calls > 0 ? Math.min(1, g.unpricedCalls / g.calls) : 0;
    unpriced += counted * unpricedShare;
    exact += g.exactTokens * (1 - unpricedShare);
    estimated += g.estimatedTokens * (1 - unpricedShare);
  }
  const tokens = exact + estimated + unpriced;
  if (tokens === 0) return { exact: 0, estimated: 0, unpriced: 0, tokens: 0 };
  return { exact: exact / tokens, estimated: estimated / tokens, unpriced: unpriced / tokens, tokens: Math.round(tokens) };
}

export interface BudgetBar {
  /** Which limit the bar shows: the one nearest its cap. */
  basis: 'usd' | 'tokens' | null;
  spent: number;
  reserved: number;
  cap: number | null;
  /** 0..1 of the cap (spent may pass 1 after an overshoot; the bar clips). */
  spentFraction: number;
  reservedFraction: number;
}

export function budgetBar(w: S['WindowStatusDto']): BudgetBar {
  const usd = w.limits.usd === null ? null : { spent: w.used.usd, reserved: w.reserved.usd, cap: w.limits.usd };
  const tokens = w.limits.tokens === null ? null : { spent: w.used.tokens, reserved: w.reserved.tokens, cap: w.limits.tokens };
  const fraction = (x: { spent: number; reserved: number; cap: number } | null) => (x ? (x.spent + x.reserved) / x.cap : -1);
  const pick = fraction(usd) >= fraction(tokens) ? usd : tokens;
  if (!pick) return { basis: null, spent: w.used.tokens, reserved: w.reserved.tokens, cap: null, spentFraction: 0, reservedFraction: 0 };
  return {
    basis: pick === usd ? 'usd' : 'tokens',
    spent: pick.spent,
    reserved: pick.reserved,
    cap: pick.cap,
    spentFraction: pick.spent / pick.cap,
    reservedFraction: pick.reserved / pick.cap,
  };
}

/** "exhausted in 3 h 10 min" within the window, else what the window ends at. */
export function forecastText(w: S['WindowStatusDto'], now: Date): string {
  if (w.limits.tokens === null && w.limits.usd === null) return 'no limit';
  if (w.forecast.exhaustionAt) {
    const ms = new Date(w.forecast.exhaustionAt).getTime() - now.getTime();
    return ms <= 0 ? 'exhausted' : `runs out in ${formatDuration(ms)}`;
  }
  return 'lasts to the reset';
}

// ---------------------------------------------------------------- live deliberations

export type ChipState = 'waiting' | 'answering' | 'answered' | 'failed';

/** What the events of the round in progress say, folded one event at a time. */
export interface LiveRound {
  round: number;
  asked: number[];
  answers: Record<number, 'answered' | 'failed'>;
  /** The latest convergence scores told by round_completed events, by round. */
  scores: Record<number, number>;
  stopVotes: Record<number, boolean>;
  /** Tokens and cost of each answer of the round in progress, by participant. */
  spent: Record<number, { tokens: number; usd: number | null }>;
}

export function emptyLive(): LiveRound {
  return { round: 0, asked: [], answers: {}, scores: {}, stopVotes: {}, spent: {} };
}

export function foldEvent(live: LiveRound, event: Event): LiveRound {
  const d = event.data;
  switch (event.type) {
    case 'round_started':
      return { ...live, round: d.round ?? live.round + 1, asked: (d.participants ?? []).map((p) => p.participantIndex), answers: {}, stopVotes: {}, spent: {} };
    case 'response_received': {
      if (d.participantIndex === undefined) return live;
      const failed = !!d.error;
      return {
        ...live,
        answers: { ...live.answers, [d.participantIndex]: failed ? 'failed' : 'answered' },
        stopVotes: d.vote ? { ...live.stopVotes, [d.participantIndex]: !d.vote.continueDebate } : live.stopVotes,
        spent: { ...live.spent, [d.participantIndex]: { tokens: d.tokens ?? 0, usd: d.costUsd ?? null } },
      };
    }
    case 'round_completed':
      return d.convergence && d.round !== undefined ? { ...live, scores: { ...live.scores, [d.round]: d.convergence.score } } : live;
    default:
      return live;
  }
}

export interface LiveCard {
  round: number;
  maxRounds: number;
  state: string;
  chips: Array<{ index: number; label: string; model: string; tier: string; state: ChipState }>;
  /** Convergence per completed round (round 1 has none). */
  scores: number[];
  /** Share of the latest votes asking to stop (continue_debate false); null before any vote. */
  stopShare: number | null;
  spentTokens: number;
  spentUsd: number | null;
  /** The next round's tokens, as the average completed round so far (or the pause's own estimate). */
  nextRoundTokens: number | null;
}

export function stateLabel(d: Pick<Deliberation, 'status' | 'pause' | 'result' | 'rounds'>): string {
  if (d.status === 'paused') {
    if (d.pause?.reason === 'person') return 'paused by a person';
    if (d.pause?.reason === 'unpriced_model') return 'paused: unpriced model';
    return 'paused on budget';
  }
  const failedAnswer = d.rounds.some((r) => r.responses.some((x) => x.error));
  if ((d.status === 'running' || d.status === 'completed') && (d.result?.degraded || failedAnswer)) return `${d.status} · degraded`;
  return d.status;
}

/** A live deliberation's card: the stored view (rounds done) plus what the events of the round in progress said. */
export function liveCard(d: Deliberation, live: LiveRound): LiveCard {
  const done = d.rounds.filter((r) => r.completedAt !== null);
  const round = Math.max(live.round, d.rounds.length);
  const current = d.rounds.find((r) => r.number === round);
  const lastDecisions = [...d.rounds].reverse().find((r) => r.decisions.length > 0)?.decisions ?? [];
  const chips = d.participants.map((p) => {
    const stored = current?.responses.find((x) => x.participantIndex === p.index);
    const told = live.round === round ? live.answers[p.index] : undefined;
    const answered = told ?? (stored ? (stored.error ? 'failed' : 'answered') : undefined);
    const asked = live.round === round ? live.asked.includes(p.index) || live.asked.length === 0 : true;
    const running = d.status === 'running' && asked;
    const decision = lastDecisions.find((x) => x.participantIndex === p.index);
    return {
      index: p.index,
      label: p.role ? `${p.adapter} · ${p.role}` : p.adapter,
      model: stored?.model ?? decision?.model ?? p.model ?? '',
      tier: decision ? `${decision.adapterTier} ${decision.tier}` : p.tier,
      state: (answered ?? (running ? 'answering' : 'waiting')) as ChipState,
    };
  });
  const storedScores = done.filter((r) => r.convergence && r.number > 1).map((r) => ({ round: r.number, score: r.convergence!.score }));
  const byRound = new Map(storedScores.map((s) => [s.round, s.score]));
  for (const [r, score] of Object.entries(live.scores)) if (Number(r) > 1) byRound.set(Number(r), score);
  const scores = [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  // The latest round with votes: the one in progress when it has some, else the last one stored.
  const liveVotes = live.round === round ? Object.values(live.stopVotes) : [];
  const storedVotes =
    [...d.rounds]
      .reverse()
      .map((r) => r.responses.filter((x) => x.vote).map((x) => !x.vote!.continueDebate))
      .find((v) => v.length > 0) ?? [];
  const votes = liveVotes.length > 0 ? liveVotes : storedVotes;
  const answers = d.rounds.flatMap((r) => r.responses);
  const storedKeys = new Set(d.rounds.flatMap((r) => r.responses.map((x) => `${r.number}:${x.participantIndex}`)));
  // Answers the events told of that the stored view did not have yet.
  const extra =
    live.round === round
      ? Object.entries(live.spent)
          .filter(([i]) => !storedKeys.has(`${round}:${i}`))
          .map(([, s]) => s)
      : [];
  const spentTokens = answers.reduce((a, x) => a + x.tokens.total, 0) + extra.reduce((a, s) => a + s.tokens, 0);
  const costs = [...answers.filter((x) => !x.error).map((x) => x.costUsd), ...extra.filter((s) => s.tokens > 0).map((s) => s.usd)];
  // null (unpriced) only when nothing could be priced; a partly priced spend shows what is known.
  const spentUsd = costs.length > 0 && costs.every((c) => c === null) ? null : costs.reduce<number>((a, c) => a + (c ?? 0), 0);
  const nextRoundTokens =
    d.pause?.nextRoundEstimateTokens ??
    (done.length > 0 ? Math.round(done.reduce((a, r) => a + r.responses.reduce((b, x) => b + x.tokens.total, 0), 0) / done.length) : null);
  return {
    round,
    maxRounds: d.maxRounds,
    state: stateLabel(d),
    chips,
    scores,
    stopShare: votes.length === 0 ? null : votes.filter(Boolean).length / votes.length,
    spentTokens: Math.round(spentTokens),
    spentUsd,
    nextRoundTokens,
  };
}

/** An SVG polyline's points for values in 0..1 across a width and height. */
export function sparkPoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(values.length > 1 ? i * step : width / 2).toFixed(1)},${(height - Math.max(0, Math.min(1, v)) * height).toFixed(1)}`)
    .join(' ');
}

// ---------------------------------------------------------------- a deliberation's tokens

export interface RoundBar {
  round: number;
  input: number;
  output: number;
  reasoning: number;
  exact: number;
  estimated: number;
}

export function roundBars(byRound: ReadonlyArray<S['DeliberationRoundTokensDto']>): RoundBar[] {
  return byRound
    .filter((r) => r.round > 0)
    .map((r) => ({
      round: r.round,
      input: r.inputTokens,
      output: r.outputTokens,
      reasoning: r.reasoningTokens,
      exact: r.exactTokens,
      estimated: r.estimatedTokens,
    }));
}

// ---------------------------------------------------------------- spend

/** UTC days (YYYY-MM-DD) from `days - 1` days before `now` to today, oldest first. */
export function lastDays(now: Date, days: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Spend per day stacked by model: for each model (most expensive first) the running sum of the models
 * below it and itself, so each series draws as the top of its band.
 */
export function stackByModel(perDay: ReadonlyArray<{ day: string; groups: ReadonlyArray<S['UsageGroupDto']> }>): {
  days: string[];
  models: string[];
  stacked: number[][];
} {
  const totals = new Map<string, number>();
  for (const d of perDay) for (const g of d.groups) totals.set(g.key, (totals.get(g.key) ?? 0) + (g.costUsd ?? 0));
  const models = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([m]) => m);
  const stacked: number[][] = [];
  let below = perDay.map(() => 0);
  for (const model of models) {
    const row = perDay.map((d, i) => below[i] + (d.groups.find((g) => g.key === model)?.costUsd ?? 0));
    stacked.push(row);
    below = row;
  }
  return { days: perDay.map((d) => d.day), models, stacked };
}

/** Nearest-rank percentile; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface ModelRow {
  model: string;
  calls: number;
  input: number;
  cached: number;
  reasoning: number;
  output: number;
  cost: string;
  exactShare: number | null;
  errorRate: number | null;
  voteParseFailures: number;
  latencyP50: number | null;
  latencyP95: number | null;
}

/**
 * The per-model table: token and cost figures from the ledger (GET /v1/usage?groupBy=model); latency and
 * vote-parse failures from the answers of the deliberations given (the ledger keeps neither per model).
 */
export function modelRows(groups: ReadonlyArray<S['UsageGroupDto']>, deliberations: readonly Deliberation[]): ModelRow[] {
  const answers = deliberations.flatMap((d) => d.rounds.flatMap((r) => r.responses));
  return [...groups]
    .sort((a, b) => b.totalTokens - a.totalTokens)
    .map((g) => {
      const mine = answers.filter((x) => x.model === g.key);
      const latencies = mine.filter((x) => !x.error).map((x) => x.latencyMs);
      const counted = g.exactTokens + g.estimatedTokens;
      return {
        model: g.key,
        calls: g.calls,
        input: g.inputTokens,
        cached: g.cachedInputTokens,
        reasoning: g.reasoningTokens,
        output: g.outputTokens,
        cost: costRange(g),
        exactShare: counted > 0 ? g.exactTokens / counted : null,
        errorRate: g.calls > 0 ? g.unavailableCalls / g.calls : null,
        voteParseFailures: mine.filter((x) => x.voteError !== null && !x.error).length,
        latencyP50: percentile(latencies, 50),
        latencyP95: percentile(latencies, 95),
      };
    });
}

/** Zone lines for a daily USD limit, at the zone thresholds' fractions. */
export function zoneLines(limitUsd: number | null, thresholds: { yellow: number; orange: number; red: number }): Array<{ zone: string; usd: number }> {
  if (limitUsd === null) return [];
  return [
    { zone: 'YELLOW', usd: limitUsd * thresholds.yellow },
    { zone: 'ORANGE', usd: limitUsd * thresholds.orange },
    { zone: 'RED', usd: limitUsd * thresholds.red },
  ];
}

/** A schedule's cadence in words: "cron 0 9 * * 1-5 (Europe/Berlin)" or "every 1 h 30 min". */
export function cadenceText(s: Pick<S['ScheduleViewDto'], 'cron' | 'everySeconds' | 'timezone'>): string {
  return s.cron !== null ? `cron ${s.cron} (${s.timezone})` : `every ${formatDuration((s.everySeconds ?? 0) * 1000)}`;
}

/** One run of a schedule in words: its state, and what it decided or why nothing ran. */
export function runText(r: Pick<S['ScheduleRunDto'], 'status' | 'skipped' | 'reason' | 'outcome' | 'winningOption' | 'tokens' | 'costUsd'>): string {
  if (r.status === 'skipped') return `skipped (${r.skipped ?? 'unknown'}): ${r.reason ?? ''}`.trim();
  if (r.status === 'missed') return `missed: ${r.reason ?? ''}`.trim();
  const decided = r.outcome ? ` — ${r.outcome}${r.winningOption ? `: "${r.winningOption}"` : ''}` : '';
  const spent = r.tokens !== null ? ` · ${formatTokens(r.tokens)} tokens${r.costUsd !== null ? `, ${formatUsd(r.costUsd)}` : ''}` : '';
  const why = r.status === 'failed' || r.status === 'paused' ? ` (${r.reason ?? 'no reason given'})` : '';
  return `${r.status}${why}${decided}${spent}`;
}
