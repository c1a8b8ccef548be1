#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { ApiClient, ApiError, type StreamEvent } from './client';
import { answerLine, bar, costText, duration, oneLine, plain, resultBlock, roundLine, table, tokens, usd, type Paint } from './format';

/**
 * `conclave`: ask several models, watch them deliberate, resume, and check what it cost, from a terminal.
 * Talks to a running service (--url / CONCLAVE_URL, --key / CONCLAVE_API_KEY) or, with --embedded, starts
 * one in this process for the one command.
 *
 * Exit codes: 0 finished (or detached), 2 bad usage, 3 the service refused or cannot be reached,
 * 4 the deliberation failed or was cancelled, 5 it is paused or interrupted (resume it from its checkpoint).
 */

const EXIT = { ok: 0, usage: 2, refused: 3, failed: 4, paused: 5 } as const;

interface Globals {
  url: string;
  key?: string;
  embedded?: boolean;
  json?: boolean;
  color: boolean;
}

interface Session {
  client: ApiClient;
  paint: Paint;
  json: boolean;
  embedded: boolean;
  out(line?: string): void;
  err(line: string): void;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return n;
};

const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

const STANCES = ['for', 'against', 'neutral'];

/** `-p adapter[@model][:stance][:role]`: "claude", "codex:against", "local:security", "claude@claude-opus-4-5:for:architect". */
export function parseParticipant(spec: string, previous: Array<Record<string, string>> = []): Array<Record<string, string>> {
  const [head, ...rest] = spec.split(':');
  const [adapter, model] = head.split('@');
  if (!adapter) throw new InvalidArgumentError(`"${spec}": a participant is adapter[@model][:stance][:role]`);
  const participant: Record<string, string> = { adapter };
  if (model) participant.model = model;
  for (const part of rest) {
    if (!part) continue;
    if (STANCES.includes(part) && !participant.stance) participant.stance = part;
    else if (!participant.role) participant.role = part;
    else throw new InvalidArgumentError(`"${spec}": at most a stance (${STANCES.join(', ')}) and a role after the adapter`);
  }
  return [...previous, participant];
}

function askBody(question: string, o: Record<string, any>): Record<string, unknown> {
  if (!o.participant?.length || o.participant.length < 2) throw new InvalidArgumentError('at least two participants are needed: -p claude -p codex:against');
  let context: string | undefined;
  if (o.contextFile) {
    try {
      context = readFileSync(o.contextFile, 'utf8');
    } catch (e) {
      throw new InvalidArgumentError(`--context-file: cannot read ${o.contextFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const budget = { ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}), ...(o.maxUsd ? { maxCostUsd: o.maxUsd } : {}) };
  return {
    question,
    participants: o.participant,
    ...(context ? { context } : {}),
    ...(o.quick ? { mode: 'quick' } : {}),
    ...(o.rounds ? { maxRounds: o.rounds } : {}),
    ...(Object.keys(budget).length ? { budget } : {}),
    ...(o.history ? { history: o.history } : {}),
    ...(o.chair ? { chair: { adapter: o.chair } } : {}),
  };
}

/** Follows a deliberation to its end, printing each answer and round; answers with the exit code its status means. */
async function follow(s: Session, id: string, header?: string): Promise<number> {
  const controller = new AbortController();
  let interrupted: 'pause' | 'cancel' | 'detach' | null = null;
  let maxRounds = 0;
  // On a terminal, a status line under the answers: the round's progress bar and the running spend,
  // redrawn in place and cleared before the next printed line.
  const live = process.stdout.isTTY === true && !s.json;
  let status = '';
  let asked = 0;
  let answered = 0;
  const print = (line: string) => {
    if (status) process.stdout.write('\r\x1b[2K');
    s.out(line);
    if (status) process.stdout.write(status);
  };
  const showStatus = () => {
    if (!live || asked === 0) return;
    status = `${bar(answered / asked, 12)} ${answered}/${asked} answered · ${tokens(spent.totalTokens)} tokens, ${usd(spent.costUsd)}`;
    process.stdout.write(`\r\x1b[2K${status}`);
  };
  const clearStatus = () => {
    if (status) process.stdout.write('\r\x1b[2K');
    status = '';
  };
  // Running spend from the events themselves: each answer's tokens and cost (its vote retry's included).
  const spent = { totalTokens: 0, costUsd: null as number | null };
  const onSigint = () => {
    void (async () => {
      if (interrupted) return;
      interrupted = await askWhatToDo(s);
      if (interrupted === 'detach') controller.abort();
      else if (interrupted === 'pause') await s.client.post(`/v1/deliberations/${id}/pause`, {}).catch((e: Error) => s.err(e.message));
      else await s.client.post(`/v1/deliberations/${id}/cancel`, {}).catch((e: Error) => s.err(e.message));
    })();
  };
  // With --embedded the service in this process owns Ctrl-C: it interrupts the run with a checkpoint.
  if (!s.embedded) process.on('SIGINT', onSigint);
  try {
    if (header && !s.json) s.out(header);
    await s.client.follow(
      id,
      (e: StreamEvent) => {
        if (s.json) return;
        switch (e.type) {
          case 'deliberation_started':
            maxRounds = e.data.maxRounds;
            print(s.paint.bold(`"${oneLine(e.data.question, 100)}"`) + s.paint.dim(` — ${e.data.participants.length} participants, up to ${maxRounds} round(s)`));
            break;
          case 'round_started':
            print(s.paint.cyan(`Round ${e.data.round}${maxRounds ? ` of ${maxRounds}` : ''}`));
            asked = e.data.participants?.length ?? 0;
            answered = 0;
            showStatus();
            break;
          case 'response_received':
            spent.totalTokens += e.data.tokens + (e.data.voteRetry?.tokens ?? 0);
            if (e.data.costUsd !== null && e.data.costUsd !== undefined) spent.costUsd = (spent.costUsd ?? 0) + e.data.costUsd;
            answered++;
            print(answerLine(e.data, s.paint));
            showStatus();
            break;
          case 'round_completed':
            clearStatus();
            print(roundLine(e.data.round, e.data.convergence, spent, s.paint));
            break;
          case 'budget_warning':
            print(s.paint.yellow(`  budget: ${e.data.limit} at ${Math.round(e.data.fraction * 100)}%`));
            break;
          case 'tier_escalated':
            print(s.paint.yellow(`  #${e.data.participantIndex} moved up to ${e.data.adapter} (${e.data.model}): ${e.data.reason}`));
            break;
          case 'synthesis':
            if (!e.data.synthesis) print(s.paint.yellow(`  no synthesis: ${e.data.error}`));
            break;
        }
      },
      controller.signal,
    );
  } finally {
    clearStatus();
    process.off('SIGINT', onSigint);
  }
  if (interrupted === 'detach') {
    s.out(`Detached; it goes on. Follow it with: conclave watch ${id}`);
    return EXIT.ok;
  }
  return finalReport(s, id);
}

async function askWhatToDo(s: Session): Promise<'pause' | 'cancel' | 'detach'> {
  if (!process.stdin.isTTY) return 'detach';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = (await rl.question('\npause, cancel or detach? [p/c/d] ')).trim().toLowerCase();
      if (answer.startsWith('p')) return 'pause';
      if (answer.startsWith('c')) return 'cancel';
      if (answer.startsWith('d') || answer === '') return 'detach';
      s.err('answer p, c or d');
    }
  } finally {
    rl.close();
  }
}

/** The deliberation as it ended: its outcome (or why it stopped) and the exit code that says so. */
async function finalReport(s: Session, id: string): Promise<number> {
  const view = await s.client.get(`/v1/deliberations/${id}`);
  if (s.json) {
    s.out(JSON.stringify(view, null, 2));
    return exitFor(view.status);
  }
  switch (view.status) {
    case 'completed':
      for (const line of resultBlock(view.result, s.paint)) s.out(line);
      break;
    case 'paused':
    case 'interrupted': {
      const why = view.pause ? `${view.pause.reason} (${view.pause.limit})${view.pause.detail ? `: ${view.pause.detail}` : ''}` : view.status;
      s.out(s.paint.yellow(`\nPaused: ${why}`));
      s.out(`Resume it with: conclave resume ${view.latestCheckpointId} [--max-tokens N]`);
      break;
    }
    case 'failed':
      s.out(s.paint.red(`\nFailed: ${view.failure}`));
      if (view.latestCheckpointId) s.out(`Resume it once the provider is back: conclave resume ${view.latestCheckpointId}`);
      break;
    case 'cancelled':
      s.out(s.paint.yellow('\nCancelled.'));
      break;
    default:
      s.out(`Status: ${view.status}. Follow it with: conclave watch ${id}`);
  }
  return exitFor(view.status);
}

function exitFor(status: string): number {
  if (status === 'completed') return EXIT.ok;
  if (status === 'paused' || status === 'interrupted') return EXIT.paused;
  if (status === 'failed' || status === 'cancelled') return EXIT.failed;
  return EXIT.ok;
}

function usageTable(s: Session, report: any): void {
  const rows = report.groups.map((g: any) => [g.key, g.calls, g.totalTokens, g.inputTokens, g.outputTokens, g.reasoningTokens, usd(g.costUsd), `${Math.round((g.costConfidence ?? 1) * 100)}%`]);
  for (const line of table([report.groupBy, 'calls', 'tokens', 'input', 'output', 'reasoning', 'cost', 'exact'], rows)) s.out(line);
  s.out(s.paint.dim(`${report.from} → ${report.to}: ${costText(report.totals)}`));
}

function budgetsTable(s: Session, windows: any[]): void {
  for (const w of windows) {
    const limit = [w.limits.tokens !== null ? `${tokens(w.limits.tokens)} tokens` : null, w.limits.usd !== null ? usd(w.limits.usd) : null].filter(Boolean).join(' / ') || 'no limit';
    const zone = w.zone === 'GREEN' ? s.paint.green(w.zone) : w.zone === 'RED' ? s.paint.red(w.zone) : s.paint.yellow(w.zone);
    s.out(`${s.paint.bold(w.window.padEnd(8))} ${bar(w.fractionUsed)} ${zone.padEnd(6)} ${w.fractionUsed === null ? '' : `${Math.round(w.fractionUsed * 100)}%`}`);
    s.out(`  spent ${tokens(w.used.tokens)} tokens, ${usd(w.used.usd)} · reserved ${tokens(w.reserved.tokens)} tokens, ${usd(w.reserved.usd)} · limit ${limit}`);
    s.out(s.paint.dim(`  exhausted in ${duration(w.forecast.hoursToExhaustion)} at ${tokens(w.burnRate.tokensPerHour)} tokens/h · resets ${w.nextReset}`));
  }
}

function withExample(command: Command, example: string): Command {
  return command.addHelpText('after', `\nExample:\n  ${example}\n`);
}

export function program(run: (action: (s: Session) => Promise<number>) => Promise<void>): Command {
  const root = new Command('conclave')
    .description('Ask several models to deliberate, watch them, resume, and check what it cost.')
    .addOption(new Option('--url <url>', 'the service').env('CONCLAVE_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--key <key>', 'the API key (never printed)').env('CONCLAVE_API_KEY'))
    .option('--embedded', 'start the service in this process for this one command (default SQLite file)')
    .option('--json', 'print the result as JSON only')
    .option('--no-color', 'no colours (also when NO_COLOR is set or the output is not a terminal)')
    .showHelpAfterError()
    .exitOverride();
  withExample(root, 'conclave ask "Webhooks or polling for billing?" -p claude -p codex:against -p local:security');

  const participants = (c: Command) =>
    c
      .requiredOption('-p, --participant <adapter[@model][:stance][:role]>', 'a participant (twice or more)', parseParticipant, [])
      .option('--rounds <n>', 'at most this many rounds', positiveInt('--rounds'))
      .option('--quick', 'one round only')
      .option('--context-file <file>', 'context the question needs, read from a file')
      .option('--max-tokens <n>', "the deliberation's token limit", positiveInt('--max-tokens'))
      .option('--max-usd <x>', "the deliberation's USD limit", positiveNumber('--max-usd'))
      .addOption(new Option('--history <policy>', 'what each participant re-reads').choices(['full', 'latest', 'digest']))
      .option('--chair <adapter>', 'an adapter that writes the synthesis after the last round');

  withExample(
    participants(root.command('ask').argument('<question>', 'what to decide').description('start a deliberation and follow it live')),
    'conclave ask "Should we adopt webhooks?" -p claude -p codex:against --rounds 3 --max-usd 0.50',
  ).action((question: string, o: Record<string, unknown>) =>
    run(async (s) => {
      const body = askBody(question, o);
      const started = await s.client.post('/v1/deliberations', body);
      return follow(s, started.id, s.paint.dim(`Deliberation ${started.id}`));
    }),
  );

  withExample(
    participants(root.command('estimate').argument('<question>', 'what to decide').description('predict tokens and cost before asking (nothing is called)')),
    'conclave estimate "Should we adopt webhooks?" -p claude -p codex:against --rounds 3',
  ).action((question: string, o: Record<string, unknown>) =>
    run(async (s) => {
      const e = await s.client.post('/v1/deliberations/estimate', askBody(question, o));
      if (s.json) return s.out(JSON.stringify(e, null, 2)), EXIT.ok;
      const range = (r: { low: number; expected: number; high: number } | null, f: (n: number) => string) => (r ? `${f(r.low)} – ${f(r.expected)} – ${f(r.high)}` : 'unpriced');
      for (const line of table(
        ['round', 'tokens (low – expected – high)', 'cost'],
        e.rounds.map((r: any) => [String(r.round), range(r.tokens, tokens), range(r.costUsd, usd)]),
      ))
        s.out(line);
      s.out(`${s.paint.bold('total')}  ${range(e.total.tokens, tokens)} tokens, ${range(e.total.costUsd, usd)}`);
      s.out(e.budget.fits ? s.paint.green('fits the budgets') : s.paint.yellow('does not fit a budget: see --json for which'));
      return EXIT.ok;
    }),
  );

  withExample(root.command('watch').argument('<id>', 'a deliberation id').description('follow a deliberation (its story so far first)'), 'conclave watch 3f1c…').action((id: string) =>
    run((s) => follow(s, id)),
  );

  withExample(
    root.command('show').argument('<id>', 'a deliberation id').option('--transcript', 'the whole Markdown transcript').description('a deliberation as it stands'),
    'conclave show 3f1c… --transcript',
  ).action((id: string, o: { transcript?: boolean }) =>
    run(async (s) => {
      if (o.transcript) {
        s.out(await s.client.text(`/v1/deliberations/${encodeURIComponent(id)}/transcript`));
        return EXIT.ok;
      }
      const view = await s.client.get(`/v1/deliberations/${encodeURIComponent(id)}`);
      if (s.json) return s.out(JSON.stringify(view, null, 2)), exitFor(view.status);
      s.out(`${s.paint.bold(view.status)} — "${oneLine(view.question, 100)}" (${view.rounds.length}/${view.maxRounds} rounds)`);
      return finalReport(s, id);
    }),
  );

  withExample(
    root.command('list').addOption(new Option('--status <status>', 'only these').choices(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'])).description('recent deliberations, newest first'),
    'conclave list --status paused',
  ).action((o: { status?: string }) =>
    run(async (s) => {
      const page = await s.client.get(`/v1/deliberations?limit=50${o.status ? `&status=${o.status}` : ''}`);
      if (s.json) return s.out(JSON.stringify(page.items, null, 2)), EXIT.ok;
      for (const line of table(
        ['id', 'status', 'rounds', 'outcome', 'created', 'question'],
        page.items.map((d: any) => [d.id, d.status, `${d.rounds.length}/${d.maxRounds}`, d.result?.outcome ?? '', d.createdAt.slice(0, 16), oneLine(d.question, 50)]),
      ))
        s.out(line);
      return EXIT.ok;
    }),
  );

  withExample(
    root.command('pause').argument('<id>', 'a deliberation id').option('--now', 'cut the calls in flight instead of letting them finish').description('pause a deliberation (resume it from its checkpoint)'),
    'conclave pause 3f1c… --now',
  ).action((id: string, o: { now?: boolean }) =>
    run(async (s) => {
      const view = await s.client.post(`/v1/deliberations/${encodeURIComponent(id)}/pause?wait=true${o.now ? '&now=true' : ''}`);
      if (s.json) return s.out(JSON.stringify(view, null, 2)), exitFor(view.status);
      s.out(`${view.status}; resume it with: conclave resume ${view.latestCheckpointId}`);
      return exitFor(view.status);
    }),
  );

  withExample(root.command('cancel').argument('<id>', 'a deliberation id').description('stop a deliberation for good (what it stored is kept)'), 'conclave cancel 3f1c…').action((id: string) =>
    run(async (s) => {
      const view = await s.client.post(`/v1/deliberations/${encodeURIComponent(id)}/cancel`);
      s.out(s.json ? JSON.stringify(view, null, 2) : view.status);
      return EXIT.ok;
    }),
  );

  withExample(
    root
      .command('resume')
      .argument('<checkpoint>', 'a checkpoint id (a paused deliberation prints it)')
      .option('--max-tokens <n>', 'a new token limit', positiveInt('--max-tokens'))
      .option('--max-usd <x>', 'a new USD limit', positiveNumber('--max-usd'))
      .option('--rounds <n>', 'a new round limit', positiveInt('--rounds'))
      .description('resume (or fork) from a checkpoint and follow it'),
    'conclave resume 9a2e… --max-tokens 400000',
  ).action((checkpoint: string, o: { maxTokens?: number; maxUsd?: number; rounds?: number }) =>
    run(async (s) => {
      const budget = { ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}), ...(o.maxUsd ? { maxCostUsd: o.maxUsd } : {}) };
      const body = { ...(Object.keys(budget).length ? { budget } : {}), ...(o.rounds ? { maxRounds: o.rounds } : {}) };
      const resumed = await s.client.post(`/v1/checkpoints/${encodeURIComponent(checkpoint)}/resume`, body);
      return follow(s, resumed.id, s.paint.dim(`Resumed ${resumed.id} from ${checkpoint}`));
    }),
  );

  withExample(
    root
      .command('usage')
      .option('--from <date>', 'from (ISO date or time)')
      .option('--to <date>', 'to (ISO date or time)')
      .addOption(new Option('--by <group>', 'group by').choices(['adapter', 'model', 'day', 'deliberation']).default('adapter'))
      .description('tokens and cost over a time window'),
    'conclave usage --from 2026-12-01 --by model',
  ).action((o: { from?: string; to?: string; by: string }) =>
    run(async (s) => {
      const query = new URLSearchParams({ groupBy: o.by, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
      const report = await s.client.get(`/v1/usage?${query}`);
      if (s.json) s.out(JSON.stringify(report, null, 2));
      else usageTable(s, report);
      return EXIT.ok;
    }),
  );

  withExample(root.command('budgets').description('each budget window: spent, reserved, limit, zone and time to exhaustion'), 'conclave budgets').action(() =>
    run(async (s) => {
      const windows = await s.client.get('/v1/budgets/status');
      if (s.json) s.out(JSON.stringify(windows, null, 2));
      else budgetsTable(s, windows);
      return EXIT.ok;
    }),
  );

  withExample(root.command('adapters').description('configured adapters, their tiers, models and whether they answer'), 'conclave adapters').action(() =>
    run(async (s) => {
      const adapters = await s.client.get('/v1/adapters');
      if (s.json) return s.out(JSON.stringify(adapters, null, 2)), EXIT.ok;
      for (const line of table(
        ['adapter', 'kind', 'provider', 'tier', 'fast', 'reasoning', 'state'],
        adapters.map((a: any) => [a.name, a.kind, a.provider, a.tier, a.models.fast, a.models.reasoning, !a.enabled ? 'disabled' : a.reachable ? 'reachable' : 'unreachable']),
      ))
        s.out(line);
      return EXIT.ok;
    }),
  );

  return root;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  let globals: Globals | undefined;
  const run = async (action: (s: Session) => Promise<number>): Promise<void> => {
    const g = globals!;
    const colour = g.color && !process.env.NO_COLOR && process.stdout.isTTY === true;
    const paint: Paint = colour ? { bold: pc.bold, dim: pc.dim, green: pc.green, yellow: pc.yellow, red: pc.red, cyan: pc.cyan } : plain;
    let embedded: { url: string; close(): Promise<void> } | null = null;
    try {
      if (g.embedded) {
        const { startEmbedded } = await import('../../api/src/embedded');
        embedded = await startEmbedded();
      }
      const session: Session = {
        client: new ApiClient(embedded?.url ?? g.url, embedded ? undefined : g.key),
        paint,
        json: Boolean(g.json),
        embedded: Boolean(embedded),
        out: (line = '') => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      };
      code = await action(session);
    } catch (e) {
      if (e instanceof InvalidArgumentError) {
        process.stderr.write(`error: ${e.message}\n`);
        code = EXIT.usage;
      } else if (e instanceof ApiError) {
        process.stderr.write(`error: ${e.message}\n`);
        code = EXIT.refused;
      } else throw e;
    } finally {
      await embedded?.close();
    }
  };
  const root = program(run);
  root.hook('preAction', (command) => {
    globals = command.optsWithGlobals() as Globals;
  });
  try {
    await root.parseAsync(argv, { from: 'node' });
  } catch (e) {
    // --help and --version end with exitCode 0; any usage error is 2.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return code;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`conclave: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
