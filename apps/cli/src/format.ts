/**
 * What the `conclave` command prints, as pure functions of the API's JSON: no I/O here, so every line
 * is unit-tested. Colours come in through a `Paint` so they can be off (not a TTY, NO_COLOR).
 */

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

export const plain: Paint = { bold: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s };

export function tokens(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US');
}

/** Dollars with the precision small amounts need: $0.0123, $1.23; unknown (unpriced) is never $0. */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'unpriced';
  if (n === 0) return '$0';
  return n < 1 ? `$${n.toPrecision(3).replace(/0+$/, '').replace(/\.$/, '')}` : `$${n.toFixed(2)}`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A participant as people read it: "#0 claude (claude-sonnet-4-6, against)". */
export function who(p: { index?: number; participantIndex?: number; adapter: string; model?: string | null; stance?: string; role?: string | null }): string {
  const index = p.participantIndex ?? p.index ?? 0;
  const extras = [p.model, p.stance && p.stance !== 'neutral' ? p.stance : null, p.role].filter(Boolean).join(', ');
  return `#${index} ${p.adapter}${extras ? ` (${extras})` : ''}`;
}

/** One line per answer as it arrives: who, the vote and its confidence, tokens and time. */
export function answerLine(e: ResponseEvent, paint: Paint = plain): string {
  const head = `  ${who(e)}`;
  if (e.error) return `${head}  ${paint.red(`failed: ${e.error.kind}`)} ${paint.dim(oneLine(e.error.message, 80))}`;
  const vote = e.vote ? `${paint.bold(`"${oneLine(e.vote.option, 60)}"`)} ${paint.dim(`(${Math.round(e.vote.confidence * 100)}%)`)}` : paint.yellow(`no vote${e.voteError ? ` (${e.voteError})` : ''}`);
  const marks = [e.truncated ? paint.yellow('cut at the output limit') : '', e.voteRetry ? paint.dim('vote asked again') : ''].filter(Boolean).join(' ');
  return `${head}  ${vote}  ${paint.dim(`${tokens(e.tokens)} tokens · ${seconds(e.latencyMs)}`)}${marks ? `  ${marks}` : ''}`;
}

export interface ResponseEvent {
  round: number;
  participantIndex: number;
  adapter: string;
  model: string;
  vote: { option: string; confidence: number } | null;
  voteError?: string | null;
  error: { kind: string; message: string } | null;
  latencyMs: number;
  tokens: number;
  truncated?: boolean;
  voteRetry?: unknown;
}

/** After a round: its convergence and what the deliberation has spent so far. */
export function roundLine(round: number, convergence: { score: number; status: string } | null, spent: { totalTokens: number; costUsd: number | null } | null, paint: Paint = plain): string {
  const score = convergence ? `convergence ${convergence.score.toFixed(2)} (${convergence.status})` : 'convergence: first round';
  const cost = spent ? ` · spent ${tokens(spent.totalTokens)} tokens, ${usd(spent.costUsd)}` : '';
  return paint.dim(`  round ${round} done: ${score}${cost}`);
}

export interface ResultView {
  outcome: string;
  winningOption: string | null;
  stopReason: string;
  roundsUsed: number;
  durationMs: number;
  tally: Array<{ option: string; votes: number; averageConfidence: number; participants: number[]; variants?: Array<{ option: string; participants: number[] }> }>;
  abstained?: number[];
  tokens?: { totalTokens: number; costUsd: number | null; costLowerUsd?: number | null; costUpperUsd?: number | null; calls: number };
  synthesis?: { recommendation: string; agreements: string[]; disagreements: string[]; dissent: string[]; chairAdapter: string; mappedOutcome?: { outcome: string; winningOption: string | null } } | null;
  synthesisError?: string;
  outcomeBy?: string;
}

/** The end of a finished deliberation: outcome, tally with merged wordings, synthesis, cost. */
export function resultBlock(result: ResultView, paint: Paint = plain): string[] {
  const winner = result.winningOption === null ? 'no winner' : `"${result.winningOption}"`;
  const lines = [
    '',
    `${paint.bold('Outcome:')} ${outcomeColour(result.outcome, paint)} — ${winner} ${paint.dim(`(stopped: ${result.stopReason}, ${result.roundsUsed} round(s), ${seconds(result.durationMs)})`)}`,
  ];
  for (const entry of result.tally) {
    lines.push(`  ${String(entry.votes).padStart(2)} × "${entry.option}" ${paint.dim(`avg confidence ${Math.round(entry.averageConfidence * 100)}%, ${entry.participants.map((p) => `#${p}`).join(' ')}`)}`);
    const others = (entry.variants ?? []).filter((v) => v.option !== entry.option);
    for (const v of others) lines.push(paint.dim(`       also worded "${v.option}" (${v.participants.map((p) => `#${p}`).join(' ')})`));
  }
  if (result.abstained?.length) lines.push(paint.dim(`  abstained: ${result.abstained.map((p) => `#${p}`).join(' ')}`));
  if (result.synthesis) {
    const s = result.synthesis;
    lines.push('', `${paint.bold('Synthesis')} ${paint.dim(`(chair: ${s.chairAdapter})`)}: ${s.recommendation}`);
    for (const [title, items] of [
      ['agreed', s.agreements],
      ['disputed', s.disagreements],
      ['dissent', s.dissent],
    ] as const) {
      for (const item of items) lines.push(`  ${paint.dim(`${title}:`)} ${item}`);
    }
    if (result.outcomeBy === 'chair' && s.mappedOutcome) lines.push(`  ${paint.cyan(`as the chair reads the votes: ${s.mappedOutcome.outcome}, "${s.mappedOutcome.winningOption ?? 'no winner'}"`)}`);
  } else if (result.synthesisError) {
    lines.push('', paint.yellow(`No synthesis: ${result.synthesisError}`));
  }
  if (result.tokens) lines.push('', `${paint.bold('Cost:')} ${costText(result.tokens)}`);
  return lines;
}

export function costText(t: { totalTokens: number; costUsd: number | null; costLowerUsd?: number | null; costUpperUsd?: number | null; calls: number }): string {
  const range = t.costLowerUsd !== null && t.costLowerUsd !== undefined && t.costUpperUsd !== null && t.costUpperUsd !== undefined && t.costLowerUsd !== t.costUpperUsd ? ` (${usd(t.costLowerUsd)}–${usd(t.costUpperUsd)})` : '';
  return `${tokens(t.totalTokens)} tokens in ${t.calls} call(s), ${usd(t.costUsd)}${range}`;
}

function outcomeColour(outcome: string, paint: Paint): string {
  if (outcome === 'unanimous' || outcome === 'majority') return paint.green(outcome);
  if (outcome === 'tie' || outcome === 'no_votes') return paint.yellow(outcome);
  return outcome;
}

/** A fixed-width bar of a fraction (clamped to [0, 1]), for budgets: "█████░░░░░". */
export function bar(fraction: number | null, width = 20): string {
  if (fraction === null) return '·'.repeat(width);
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(header: string[], rows: Array<Array<string | number>>): string[] {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? tokens(c) : c)))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((w) => '─'.repeat(w))), ...cells.slice(1).map(line)];
}

/** "2 h 5 min", for a time left; "—" when there is none. */
export function duration(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return '—';
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.floor(hours)} h ${Math.round((hours % 1) * 60)} min`;
  return `${Math.round(hours / 24)} d`;
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
