import type { DeliberationResult, DeliberationView, DeliberationEventData, PauseInfo } from '@app/deliberation';
import { bar, elapsed, hoursLeft, oneLine, percent, plain, table, tokens, usd, type Paint } from './format';
import type { AdapterInfo, BudgetWindow, Estimate, TokenFigures, UsageReport } from './wire';

/**
 * What each command prints, as pure functions of the API's JSON (lines in, no I/O), so every line the
 * e2e tests read is also pinned by a unit test.
 */

type Answer = DeliberationEventData['response_received'];
type Participant = DeliberationView['participants'][number];

/** "#1 codex (against, security)": the index the tally uses, the adapter, and stance/role when set. */
export function participantLabel(index: number, adapter: string, p?: Pick<Participant, 'stance' | 'role'>): string {
  const extras = [p?.stance && p.stance !== 'neutral' ? p.stance : null, p?.role ?? null].filter(Boolean);
  return `#${index} ${adapter}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/**
 * One answer as it arrives: who (and the model its tier chose), the vote and its confidence, the tokens
 * (its vote-only retry's included) and the latency.
 */
export function answerLine(a: Answer, participant: Participant | undefined, paint: Paint = plain): string {
  const who = `  ${participantLabel(a.participantIndex, a.adapter, participant)} ${paint.dim(a.model)}`;
  if (a.error) return `${who}  ${paint.red(`failed: ${a.error.kind}`)} ${paint.dim(oneLine(a.error.message, 80))}`;
  const vote = a.vote
    ? `${paint.bold(`"${oneLine(a.vote.option, 60)}"`)} ${percent(a.vote.confidence)}`
    : paint.yellow(`no vote${a.voteError ? ` (${a.voteError})` : ''}`);
  const marks = [a.truncated ? paint.yellow('cut at the output limit') : '', a.voteRetry ? paint.dim('vote asked again') : ''].filter(Boolean);
  return `${who}  ${vote}  ${paint.dim(`${tokens(answerTokens(a))} tokens · ${elapsed(a.latencyMs)}`)}${marks.length ? `  ${marks.join(' ')}` : ''}`;
}

/** An answer's tokens with its vote-only retry's: what it cost the budget. */
export function answerTokens(a: Pick<Answer, 'tokens' | 'voteRetry'>): number {
  return a.tokens + (a.voteRetry?.tokens ?? 0);
}

export function roundHeader(round: number, maxRounds: number | undefined, paint: Paint = plain): string {
  return paint.cyan(paint.bold(`Round ${round}${maxRounds ? ` of ${maxRounds}` : ''}`));
}

/** After a round: its convergence score and what the deliberation has spent so far. */
export function roundLine(
  round: number,
  convergence: DeliberationEventData['round_completed']['convergence'],
  spent: Pick<TokenFigures, 'totalTokens' | 'costUsd'> | null,
  paint: Paint = plain,
): string {
  const score = convergence ? `convergence ${convergence.score.toFixed(2)} (${convergence.status})` : 'convergence — (first round)';
  const cost = spent ? ` · so far ${tokens(spent.totalTokens)} tokens, ${usd(spent.costUsd)}` : '';
  return paint.dim(`  round ${round} done: ${score}${cost}`);
}

/** Decision memory at the start of a run: the past decision that answered it, or those quoted in round 1. */
export function memoryLine(m: DeliberationEventData['memory_used'], paint: Paint = plain): string {
  if (m.reusedFrom) {
    const past = m.decisions[0];
    const decided = past?.decision ? ` "${oneLine(past.decision, 60)}"` : '';
    return paint.cyan(`  answered from memory: decision ${m.reusedFrom}${decided} (similarity ${(past?.similarity ?? 1).toFixed(2)}); no model called`);
  }
  const list = m.decisions.map((d) => `${d.id.slice(0, 8)} ${(d.similarity * 100).toFixed(0)}%`).join(', ');
  return paint.dim(`  memory: ${m.decisions.length} past decision${m.decisions.length === 1 ? '' : 's'} quoted in round 1 (${list})`);
}

/** The status line under a round on a terminal: the round's progress bar and the running spend. */
export function progressLine(answered: number, asked: number, spent: { totalTokens: number; costUsd: number | null }, width = 20): string {
  return `  ${bar(asked > 0 ? answered / asked : 0, width)} ${answered}/${asked} answered · ${tokens(spent.totalTokens)} tokens, ${usd(spent.costUsd)}`;
}

export function costText(t: Pick<TokenFigures, 'totalTokens' | 'costUsd' | 'costLowerUsd' | 'costUpperUsd' | 'calls'>): string {
  const range =
    t.costLowerUsd !== null && t.costUpperUsd !== null && t.costLowerUsd !== t.costUpperUsd
      ? ` (between ${usd(t.costLowerUsd)} and ${usd(t.costUpperUsd)})`
      : '';
  return `${tokens(t.totalTokens)} tokens in ${t.calls} call${t.calls === 1 ? '' : 's'}, ${usd(t.costUsd)}${range}`;
}

const who = (ps: number[]) => ps.map((p) => `#${p}`).join(' ');

/** A finished deliberation: the outcome, the tally with the wordings merged into each entry, the synthesis, the cost. */
export function resultLines(result: DeliberationResult, paint: Paint = plain): string[] {
  const winner = result.winningOption === null ? 'no winner' : `"${result.winningOption}"`;
  const outcome = ['unanimous', 'majority'].includes(result.outcome) ? paint.green(result.outcome) : paint.yellow(result.outcome);
  const lines = [
    `${paint.bold('Outcome:')} ${outcome} — ${winner}`,
    paint.dim(
      `  stopped: ${result.stopReason} after ${result.roundsUsed} round${result.roundsUsed === 1 ? '' : 's'} in ${elapsed(result.durationMs)}${result.degraded ? ' (degraded: some calls failed)' : ''}`,
    ),
    paint.bold('Tally:'),
  ];
  for (const entry of result.tally) {
    lines.push(`  ${entry.votes} × "${entry.option}"  ${paint.dim(`avg confidence ${percent(entry.averageConfidence)} · ${who(entry.participants)}`)}`);
    for (const v of entry.variants.filter((x) => x.option !== entry.option)) lines.push(paint.dim(`      merged: "${v.option}" (${who(v.participants)})`));
  }
  if (result.tally.length === 0) lines.push(paint.dim('  no votes'));
  if (result.abstained.length) lines.push(paint.dim(`  abstained: ${who(result.abstained)}`));
  if (result.synthesis) {
    const s = result.synthesis;
    lines.push(`${paint.bold('Synthesis')} ${paint.dim(`(chair ${s.chairAdapter}, ${s.chairModel})`)}: ${s.recommendation}`);
    for (const [title, items] of [
      ['agreed', s.agreements],
      ['disputed', s.disagreements],
      ['dissent', s.dissent],
    ] as const) {
      for (const item of items) lines.push(`  ${paint.dim(`${title}:`)} ${item}`);
    }
    if (result.outcomeBy === 'chair' && s.mappedOutcome) {
      const w = s.mappedOutcome.winningOption === null ? 'no winner' : `"${s.mappedOutcome.winningOption}"`;
      lines.push(paint.cyan(`  as the chair reads the votes: ${s.mappedOutcome.outcome} — ${w}`));
    }
  } else if (result.synthesisError) {
    lines.push(paint.yellow(`No synthesis: ${result.synthesisError}`));
  }
  if (result.tokens) lines.push(`${paint.bold('Cost:')} ${costText(result.tokens)}`);
  return lines;
}

export function pauseText(pause: PauseInfo | null): string {
  if (!pause) return 'paused';
  return `${pause.reason} (${pause.limit})${pause.detail ? `: ${pause.detail}` : ''}`;
}

/** How a deliberation ended, for every status that is not completed, with the next step (`cli`: the command as typed, --embedded kept). */
export function stoppedLines(
  view: Pick<DeliberationView, 'id' | 'status' | 'pause' | 'failure' | 'latestCheckpointId'>,
  paint: Paint = plain,
  cli = 'conclave',
): string[] {
  const resume = view.latestCheckpointId ? `${cli} resume ${view.latestCheckpointId}` : null;
  switch (view.status) {
    case 'paused':
      return [
        paint.yellow(`Paused: ${pauseText(view.pause)}`),
        ...(resume ? [`Resume it with: ${resume}${view.pause?.reason === 'budget' ? ' --max-tokens N (or --max-usd X)' : ''}`] : []),
      ];
    case 'interrupted':
      return [paint.yellow('Interrupted (the service stopped while it ran).'), ...(resume ? [`Resume it with: ${resume}`] : [])];
    case 'failed':
      return [paint.red(`Failed: ${view.failure ?? 'unknown reason'}`), ...(resume ? [`Resume it once the cause is fixed: ${resume}`] : [])];
    case 'cancelled':
      return [paint.yellow('Cancelled.')];
    case 'queued':
    case 'running':
      return [`Still ${view.status}. Follow it with: ${cli} watch ${view.id}`];
    case 'completed':
      return [];
  }
}

/** `conclave show`: the deliberation as it stands, round by round. */
export function showLines(view: DeliberationView, paint: Paint = plain, cli = 'conclave'): string[] {
  const lines = [
    `${paint.bold(view.id)}  ${view.status}  ${paint.dim(`created ${view.createdAt}`)}`,
    `Question: ${view.question}`,
    `Participants: ${view.participants.map((p) => `${participantLabel(p.index, p.adapter, p)}${p.model ? ` ${p.model}` : ''}`).join(', ')}`,
    paint.dim(`mode ${view.mode}, up to ${view.maxRounds} round${view.maxRounds === 1 ? '' : 's'}`),
  ];
  for (const round of view.rounds) {
    lines.push(roundHeader(round.number, view.maxRounds, paint));
    for (const r of round.responses) {
      const answer: Answer = {
        round: round.number,
        participantIndex: r.participantIndex,
        adapter: r.adapter,
        model: r.model,
        vote: r.vote,
        voteError: r.voteError,
        error: r.error,
        latencyMs: r.latencyMs,
        tokens: r.tokens.total,
        costUsd: r.costUsd === null && !r.voteRetry?.costUsd ? null : (r.costUsd ?? 0) + (r.voteRetry?.costUsd ?? 0),
        truncated: r.truncated,
        ...(r.voteRetry ? { voteRetry: { text: r.voteRetry.text, errorKind: r.voteRetry.errorKind, tokens: r.voteRetry.tokens } } : {}),
      };
      lines.push(answerLine(answer, view.participants[r.participantIndex], paint));
    }
    if (round.completedAt) lines.push(roundLine(round.number, round.convergence, null, paint));
  }
  if (view.status === 'completed' && view.result) lines.push('', ...resultLines(view.result, paint));
  else lines.push('', ...stoppedLines(view, paint, cli));
  return lines;
}

export function listLines(items: DeliberationView[]): string[] {
  if (items.length === 0) return ['No deliberations.'];
  return table(
    ['id', 'status', 'rounds', 'outcome', 'created', 'question'],
    items.map((d) => [
      d.id,
      d.status,
      `${d.rounds.length}/${d.maxRounds}`,
      d.result?.outcome ?? '',
      d.createdAt.slice(0, 16).replace('T', ' '),
      oneLine(d.question, 60),
    ]),
  );
}

/** `conclave usage`: one row per group and a total, every figure as GET /v1/usage gives it. */
export function usageLines(report: UsageReport, paint: Paint = plain): string[] {
  const row = (key: string, g: TokenFigures) => [
    key,
    g.calls,
    g.inputTokens,
    g.outputTokens,
    g.reasoningTokens,
    g.totalTokens,
    usd(g.costUsd),
    percent(g.costConfidence),
  ];
  const header = [report.groupBy, 'calls', 'input', 'output', 'reasoning', 'total', 'cost', 'exact'];
  const lines = [paint.dim(`Usage from ${report.from} to ${report.to}, by ${report.groupBy}`)];
  if (report.groups.length === 0) return [...lines, 'No calls in this window.'];
  const rendered = table(header, [...report.groups.map((g) => row(g.key, g)), row('total', report.totals)]);
  // The total under a rule of its own.
  lines.push(...rendered.slice(0, -1), rendered[1], rendered[rendered.length - 1]);
  if (report.totals.unpricedCalls > 0) lines.push(paint.yellow(`${report.totals.unpricedCalls} call(s) on models without a price are not in the cost.`));
  return lines;
}

function limitText(limits: { tokens: number | null; usd: number | null }): string {
  const parts = [limits.tokens !== null ? `${tokens(limits.tokens)} tokens` : null, limits.usd !== null ? usd(limits.usd) : null].filter(Boolean);
  return parts.length ? parts.join(' / ') : 'no limit';
}

function zoneText(zone: string, paint: Paint): string {
  if (zone === 'GREEN') return paint.green(zone);
  if (zone === 'RED') return paint.red(zone);
  return paint.yellow(zone);
}

/** `conclave budgets`: each window with a bar, its zone, spent/reserved/limit and the time to exhaustion. */
export function budgetLines(windows: BudgetWindow[], paint: Paint = plain): string[] {
  if (windows.length === 0) return ['No budget windows.'];
  const lines = table(
    ['window', 'used', '', 'zone', 'spent', 'reserved', 'limit', 'exhausted in', 'resets'],
    windows.map((w) => [
      w.window,
      bar(w.fractionUsed, 20),
      percent(w.fractionUsed),
      zoneText(w.zone, paint),
      `${tokens(w.used.tokens)} tokens, ${usd(w.used.usd)}`,
      `${tokens(w.reserved.tokens)} tokens, ${usd(w.reserved.usd)}`,
      limitText(w.limits),
      hoursLeft(w.forecast.hoursToExhaustion),
      w.nextReset.slice(0, 16).replace('T', ' '),
    ]),
  );
  for (const w of windows) {
    if (w.overshoot.tokens > 0 || w.overshoot.usd > 0)
      lines.push(paint.red(`${w.window}: ${tokens(w.overshoot.tokens)} tokens, ${usd(w.overshoot.usd)} past the hard cap`));
    if (w.zone !== 'GREEN' || w.forecast.zone !== 'GREEN') lines.push(paint.yellow(`${w.window}: ${w.forecast.recommendation}`));
  }
  return lines;
}

/** Disabled, then an open breaker (until when), a half-open one, then what the probe found. */
function adapterState(a: AdapterInfo, paint: Paint): string {
  if (!a.enabled) return paint.dim('disabled');
  if (a.breaker?.state === 'open') return paint.red(`circuit open until ${a.breaker.reopensAt?.slice(11, 19) ?? '?'} UTC`);
  if (a.breaker?.state === 'half_open') return paint.yellow('circuit half-open');
  return a.reachable ? paint.green('reachable') : paint.red('unreachable');
}

export function adapterLines(adapters: AdapterInfo[], paint: Paint = plain): string[] {
  if (adapters.length === 0) return ['No adapters configured.'];
  return table(
    ['adapter', 'kind', 'provider', 'tier', 'fast model', 'reasoning model', 'state'],
    adapters.map((a) => [a.name, a.kind, a.provider, a.tier, a.models.fast, a.models.reasoning, adapterState(a, paint)]),
  );
}

const range = (r: { low: number; expected: number; high: number } | null, f: (n: number) => string) =>
  r ? [f(r.low), f(r.expected), f(r.high)] : ['unpriced', 'unpriced', 'unpriced'];

/** `conclave estimate`: per round and in total, low / expected / high, and whether it fits each limit. */
export function estimateLines(e: Estimate, paint: Paint = plain): string[] {
  const lines = [
    `Estimate for ${e.participants.length} participants, up to ${e.maxRounds} round${e.maxRounds === 1 ? '' : 's'}, history ${e.historyPolicy}:`,
    ...e.participants.map((p) => paint.dim(`  #${p.participantIndex} ${p.adapter} ${p.model}${p.priced ? '' : ' (no price: cost unknown)'}`)),
    '',
    ...table(
      ['round', 'tokens low', 'expected', 'high', 'cost low', 'expected', 'high'],
      [
        ...e.rounds.map((r) => [String(r.round), r.tokens.low, r.tokens.expected, r.tokens.high, ...range(r.costUsd, usd)]),
        ['total', e.total.tokens.low, e.total.tokens.expected, e.total.tokens.high, ...range(e.total.costUsd, usd)],
      ],
    ),
    '',
  ];
  const fit = (ok: boolean) => (ok ? paint.green('fits') : paint.red('does not fit'));
  const own = e.budget.deliberation;
  if (own.maxTokens !== null || own.maxCostUsd !== null)
    lines.push(`Own budget (${limitText({ tokens: own.maxTokens, usd: own.maxCostUsd })}): ${fit(own.fits)}`);
  for (const w of e.budget.windows) {
    const room = w.remaining.tokens === null && w.remaining.usd === null ? 'no limit' : `${limitText(w.remaining)} left`;
    lines.push(`${w.window} window (${room}): ${fit(w.fits)}`);
  }
  lines.push(e.budget.fits ? paint.green('The high case fits every limit.') : paint.yellow('The high case does not fit every limit.'));
  lines.push(...e.assumptions.map((a) => paint.dim(`  assumes ${a}`)));
  return lines;
}
