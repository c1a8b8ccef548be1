import { Command, Option } from 'commander';
import { collectParticipant, HISTORY, MEMORY, positiveInt, positiveNumber, STATUSES, USAGE_BY, uuidArg } from './args';
import * as commands from './commands';
import type { Context } from './context';
import type { ExitCode } from './exit-codes';

/** The global flags, wherever they were written on the line. */
export interface GlobalOptions {
  url: string;
  key?: string;
  embedded?: boolean;
  json?: boolean;
  color: boolean;
}

/** Runs one command's action with a Context built from the global flags; main decides how (remote or embedded). */
export type Runner = (globals: GlobalOptions, action: (ctx: Context) => Promise<ExitCode>) => Promise<void>;

const ID = '3f1c2a9e-5b7d-4c8e-9f01-23456789abcd';

function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample:\n${lines.map((l) => (l ? `  ${l}` : '')).join('\n')}\n`);
}

/** The flags `ask` and `estimate` share: the same request body. */
function deliberationFlags(command: Command): Command {
  return command
    .argument('<question>', 'what to decide')
    .option('-p, --participant <adapter[:stance][:role][@model]>', 'a participant; give two or more (stance: for, against, neutral)', collectParticipant)
    .option('--rounds <n>', "at most this many rounds (1-10; default: the service's, 3)", positiveInt('--rounds'))
    .option('--quick', 'one round only (mode quick)')
    .option('--context-file <file>', 'background the question needs, read from a file')
    .option('--max-tokens <n>', "this deliberation's token limit", positiveInt('--max-tokens'))
    .option('--max-usd <x>', "this deliberation's cost limit in USD", positiveNumber('--max-usd'))
    .addOption(new Option('--history <policy>', 'what each participant re-reads of earlier rounds').choices(HISTORY))
    .addOption(
      new Option('--memory <mode>', "past decisions: quoted in round 1 (context), or one answers at once (reuse); default: the service's").choices(MEMORY),
    )
    .option('--chair <adapter>', 'an adapter that writes a synthesis after the last round')
    .option('--critical', 'a critical decision: participants get at least the configured floor tier');
}

/**
 * The `conclave` command line. Usage errors (commander's own included) are thrown as CommanderError
 * (exitOverride) so main turns them into exit 2.
 */
export function buildProgram(run: Runner): Command {
  const program = new Command('conclave')
    .description('Ask several models to deliberate a question, follow them live, resume paused runs, and check what it cost.')
    .addOption(new Option('--url <url>', 'the Conclave service').env('CONCLAVE_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--key <key>', 'the API key (better in the environment: a flag shows in ps)').env('CONCLAVE_API_KEY'))
    .option('--embedded', 'start the service in this process for this one command (./conclave.yaml or CONCLAVE_CONFIG, the default SQLite file)')
    .option('--json', 'print only JSON on stdout')
    .option('--no-color', 'no colours (they are also off when stdout is not a terminal or NO_COLOR is set)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  example(
    program,
    'conclave ask "Webhooks or polling for billing?" -p claude -p codex:against -p local:security',
    '',
    'Exit codes: 0 finished, 2 bad usage, 3 the service refused, 4 the deliberation failed or was cancelled, 5 paused (resume it).',
  );

  const action =
    <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<ExitCode>) =>
    (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      return run(command.optsWithGlobals<GlobalOptions>(), (ctx) => fn(ctx, ...(args.slice(0, -1) as A)));
    };

  example(
    deliberationFlags(program.command('ask').description('start a deliberation and follow it live (Ctrl-C: pause, cancel or detach)')).option(
      '--force',
      'with --memory reuse: deliberate even when a past decision could answer',
    ),
    'conclave ask "Should we adopt webhooks?" -p claude:for -p codex:against -p local:security --rounds 3 --max-usd 0.50',
  ).action(action(commands.ask));

  example(
    deliberationFlags(program.command('estimate').description('predict the tokens and cost of an ask (nothing is called or stored)')),
    'conclave estimate "Should we adopt webhooks?" -p claude -p codex:against --rounds 3',
  ).action(action(commands.estimate));

  example(
    program.command('watch').description('follow a deliberation: what already happened, then live').argument('<id>', 'a deliberation id', uuidArg('the id')),
    `conclave watch ${ID}`,
  ).action(action(commands.watch));

  example(
    program
      .command('show')
      .description('a deliberation as it stands: rounds, votes, outcome')
      .argument('<id>', 'a deliberation id', uuidArg('the id'))
      .option('--transcript', 'the whole Markdown transcript instead'),
    `conclave show ${ID} --transcript`,
  ).action(action(commands.show));

  example(
    program
      .command('list')
      .description('recent deliberations, newest first')
      .addOption(new Option('--status <status>', 'only those with this status').choices(STATUSES))
      .option('--limit <n>', 'at most this many (1-100)', positiveInt('--limit'), 20),
    'conclave list --status paused',
  ).action(action(commands.list));

  example(
    program
      .command('pause')
      .description('pause a running deliberation (the calls in flight finish) and print its checkpoint')
      .argument('<id>', 'a deliberation id', uuidArg('the id'))
      .option('--now', 'cut the calls in flight instead (answers that arrived are kept)'),
    `conclave pause ${ID}`,
  ).action(action(commands.pause));

  example(
    program.command('cancel').description('stop a deliberation for good (what it stored is kept)').argument('<id>', 'a deliberation id', uuidArg('the id')),
    `conclave cancel ${ID}`,
  ).action(action(commands.cancel));

  example(
    program
      .command('resume')
      .description('resume a paused, interrupted or failed deliberation from a checkpoint (an older one forks) and follow it')
      .argument('<checkpoint>', 'a checkpoint id (a paused run prints it)', uuidArg('the checkpoint'))
      .option('--max-tokens <n>', 'a new token limit for the deliberation', positiveInt('--max-tokens'))
      .option('--max-usd <x>', 'a new cost limit in USD', positiveNumber('--max-usd'))
      .option('--rounds <n>', 'a new round limit', positiveInt('--rounds')),
    `conclave resume ${ID} --max-tokens 400000`,
  ).action(action(commands.resume));

  example(
    program
      .command('usage')
      .description('tokens and cost over a time window, as a table')
      .option('--from <date>', 'start, inclusive (ISO-8601; default 30 days before --to)')
      .option('--to <date>', 'end, exclusive (ISO-8601; default now)')
      .addOption(new Option('--by <group>', 'one row per').choices(USAGE_BY).default('adapter')),
    'conclave usage --from 2026-12-01 --by model',
  ).action(action(commands.usage));

  example(program.command('budgets').description('each budget window: bar, zone, spent, reserved, limit, time to exhaustion'), 'conclave budgets').action(
    action(commands.budgets),
  );

  example(program.command('adapters').description('the configured adapters: kind, tier, models, reachable or not'), 'conclave --embedded adapters').action(
    action(commands.adapters),
  );

  return program;
}
