import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { usd } from '../apps/cli/src/format';
import type { ProviderUsage } from './fixtures/provider-server';
import { answer, httpAdapter, prose, startScriptedProvider, type ScriptedCall, type ScriptedProvider } from './support/round-script';
import { freePort } from './support/child-service';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The built `conclave` binary as a person runs it: a child process (`npm test` builds dist first; while
 * developing, `npx nest build api`) against the real service with scripted loopback providers. Output
 * is checked line by line against what the REST routes say; exit codes are the contract (0 finished,
 * 2 bad usage, 3 refused, 4 failed or cancelled, 5 paused). The Ctrl-C prompt is driven in a real
 * pseudo-terminal through tmux.
 */

const BIN = resolve(__dirname, '../dist/apps/cli/src/main.js');
const KEY = 'cli-e2e-key-0123456789abcdef';
const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const USAGE: ProviderUsage = { input: 100, output: 50 };
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Child {
  /** Everything written to stdout so far. */
  stdout(): string;
  kill(signal: NodeJS.Signals): void;
  done: Promise<Run>;
}

/** The binary in a child process with only the environment given (and PATH): no colours, no TTY. */
function start(args: string[], env: Record<string, string> = {}, cwd?: string): Child {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<Run>((ok) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stdout, stderr });
    }),
  );
  return { stdout: () => stdout, kill: (signal) => child.kill(signal), done };
}

const cli = (args: string[], env: Record<string, string> = {}, cwd?: string) => start(args, env, cwd).done;

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('conclave CLI (e2e, the built binary)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;
  let gates: Array<() => void> = [];
  /** Round 2's "against" call waits for the gate when one is set. */
  let gate: Promise<void> | null = null;
  const arrived: ScriptedCall[] = [];

  afterEach(async () => {
    for (const open of gates) open();
    gates = [];
    gate = null;
    arrived.length = 0;
    await t?.close();
    await provider?.close();
    t = undefined;
    provider = undefined;
  });

  /** The service with one adapter, "cloud", on a scripted provider: "against" votes "Keep polling" in round 1 only. */
  async function boot(config: Record<string, unknown> = {}): Promise<TestApp> {
    provider = await startScriptedProvider(async (c) => {
      if (gate && c.round === 2 && c.stance === 'against') await gate;
      arrived.push(c);
      const option = c.stance === 'against' && c.round === 1 ? 'Keep polling' : 'Adopt webhooks';
      return { text: answer(prose(c.stance, c.round), option, true), usage: USAGE };
    });
    t = await startTestApp({
      server: { apiKey: KEY },
      adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })],
      deliberation: { maxOutputTokens: 1000 },
      ...config,
    });
    return t;
  }

  function hold(): () => void {
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    gates.push(open);
    return open;
  }

  const env = () => ({ CONCLAVE_URL: t!.url, CONCLAVE_API_KEY: KEY });
  const auth = { authorization: `Bearer ${KEY}` };
  const get = async (path: string) => (await request(t!.url).get(path).set(auth).expect(200)).body;
  const TWO = ['-p', 'cloud:for', '-p', 'cloud:against'];

  it('should ask and follow to the end: one line per answer per round, the convergence and spend per round, the outcome, the tally and the cost', async () => {
    await boot();

    const run = await cli(['ask', QUESTION, ...TWO, '--rounds', '2'], env());

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const id = new RegExp(`^Deliberation (${UUID})$`).exec(lines[0])?.[1];
    expect(id).toBeDefined();
    const view = await get(`/v1/deliberations/${id}`);
    const tokens = await get(`/v1/deliberations/${id}/tokens`);
    const model = (round: number, i: number) => view.rounds[round - 1].responses.find((r: any) => r.participantIndex === i).model;
    const at = (round: number) => lines.indexOf(`Round ${round} of 2`);
    expect(lines[1]).toBe(`"${QUESTION}" — 2 participants, up to 2 rounds`);
    expect(at(1)).toBe(2);
    // Round 1: each participant once, with the model its tier chose, its vote, confidence, tokens and latency.
    const round1 = lines.slice(at(1) + 1, at(2));
    expect(round1).toHaveLength(3);
    expect(round1).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^ {2}#0 cloud \\(for\\) ${model(1, 0)} {2}"Adopt webhooks" 80% {2}150 tokens · \\d+ ms$`)),
        expect.stringMatching(new RegExp(`^ {2}#1 cloud \\(against\\) ${model(1, 1)} {2}"Keep polling" 80% {2}150 tokens · \\d+ ms$`)),
      ]),
    );
    const r1 = tokens.byRound.find((r: any) => r.round === 1);
    expect(round1[2]).toBe(`  round 1 done: convergence — (first round) · so far 300 tokens, ${usd(r1.costUsd)}`);
    const round2 = lines.slice(at(2) + 1, lines.indexOf(''));
    expect(round2.filter((l) => /^ {2}#[01] cloud .* {2}"Adopt webhooks" 80% {2}150 tokens · \d+ ms$/.test(l))).toHaveLength(2);
    const score = view.rounds[1].convergence;
    expect(round2[2]).toBe(`  round 2 done: convergence ${score.score.toFixed(2)} (${score.status}) · so far 600 tokens, ${usd(tokens.totals.costUsd)}`);
    // The end, as the result says it.
    const end = lines.slice(lines.indexOf('') + 1);
    expect(end).toEqual([
      'Outcome: unanimous — "Adopt webhooks"',
      expect.stringMatching(/^ {2}stopped: max_rounds after 2 rounds in \d/),
      'Tally:',
      '  2 × "Adopt webhooks"  avg confidence 80% · #0 #1',
      `Cost: 600 tokens in 4 calls, ${usd(tokens.totals.costUsd)}`,
      '',
    ]);
    expect(view.result).toMatchObject({ outcome: 'unanimous', winningOption: 'Adopt webhooks', roundsUsed: 2 });
    expect(view.participants.map((p: any) => p.stance)).toEqual(['for', 'against']);
  });

  it('should answer from memory with --memory reuse, saying which decision, and deliberate anyway with --force', async () => {
    await boot();
    const first = await cli(['ask', QUESTION, ...TWO, '--quick'], env());
    expect(first.code).toBe(0);
    const firstId = new RegExp(`^Deliberation (${UUID})$`).exec(first.stdout.split('\n')[0])?.[1];
    const calls = arrived.length;

    const reused = await cli(['ask', QUESTION, ...TWO, '--quick', '--memory', 'reuse'], env());

    expect(reused.code).toBe(0);
    expect(reused.stdout).toContain(`  answered from memory: decision ${firstId}`);
    expect(reused.stdout).toMatch(/stopped: reused after 0 rounds/);
    expect(arrived.length).toBe(calls);

    const forced = await cli(['ask', QUESTION, ...TWO, '--quick', '--memory', 'reuse', '--force'], env());
    expect(forced.code).toBe(0);
    expect(forced.stdout).not.toContain('answered from memory');
    expect(arrived.length).toBe(calls + 2);
    const bad = await cli(['ask', QUESTION, ...TWO, '--memory', 'always'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('off, context, reuse');
  });

  it('should print only the final state as JSON with --json, the same the REST route gives', async () => {
    await boot();

    const run = await cli(['--json', 'ask', QUESTION, ...TWO, '--quick', '--max-usd', '5', '--history', 'full'], env());

    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    const rest = await get(`/v1/deliberations/${printed.id}`);
    expect(printed).toEqual({ ...rest, updatedAt: printed.updatedAt });
    expect(printed).toMatchObject({ status: 'completed', mode: 'quick', result: { roundsUsed: 1 } });
    // The flags reached the request: one round, the history policy and the budget.
    const checkpoints = await get(`/v1/deliberations/${printed.id}/checkpoints`);
    const state = await get(`/v1/checkpoints/${checkpoints[0].id}?include=state`);
    expect(state.state.request).toMatchObject({ maxRounds: 1, history: 'full', budget: { maxCostUsd: 5 } });
  });

  it('should exit 5 when the budget pauses the deliberation, say how to resume, and resume it to completion', async () => {
    await boot();

    // Each round reserves 2 × (prompt + 1,000 output) tokens: 3,000 pays for round 1, not round 2.
    const paused = await cli(['ask', QUESTION, ...TWO, '--rounds', '2', '--max-tokens', '3000'], env());

    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(5);
    const id = new RegExp(`^Deliberation (${UUID})$`, 'm').exec(paused.stdout)![1];
    const view = await get(`/v1/deliberations/${id}`);
    expect(view.status).toBe('paused');
    expect(paused.stdout).toContain(`\nPaused: budget (${view.pause.limit})`);
    expect(paused.stdout).toContain(`\nResume it with: conclave resume ${view.latestCheckpointId} --max-tokens N (or --max-usd X)\n`);

    const resumed = await cli(['resume', view.latestCheckpointId, '--max-tokens', '100000'], env());

    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const lines = resumed.stdout.split('\n');
    expect(lines[0]).toBe(`Resuming from checkpoint ${view.latestCheckpointId}`);
    expect(lines[1]).toBe(`Deliberation ${id}`);
    expect(lines).toContain('Round 2 of 2');
    expect(lines).toContain('Outcome: unanimous — "Adopt webhooks"');
    expect((await get(`/v1/deliberations/${id}`)).status).toBe('completed');
  });

  it('should print usage and budgets with the figures GET /v1/usage and /v1/budgets/status give', async () => {
    await boot({ budgets: { daily: { tokens: 100_000, usd: 10 } } });
    expect((await cli(['ask', QUESTION, ...TWO, '--quick'], env())).code).toBe(0);
    const usage = (await request(t!.url).get('/v1/usage?groupBy=model').set(auth).expect(200)).body;
    const budgets = await get('/v1/budgets/status');

    const usageRun = await cli(['usage', '--by', 'model'], env());
    const budgetsRun = await cli(['budgets'], env());

    expect(usageRun.code).toBe(0);
    const rows = usageRun.stdout.split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[1]).toEqual(['model', 'calls', 'input', 'output', 'reasoning', 'total', 'cost', 'exact']);
    for (const g of usage.groups) {
      expect(rows).toContainEqual([
        g.key,
        String(g.calls),
        String(g.inputTokens),
        String(g.outputTokens),
        String(g.reasoningTokens),
        String(g.totalTokens),
        usd(g.costUsd),
        '100%',
      ]);
    }
    const t0 = usage.totals;
    expect(rows).toContainEqual([
      'total',
      String(t0.calls),
      String(t0.inputTokens),
      String(t0.outputTokens),
      String(t0.reasoningTokens),
      String(t0.totalTokens),
      usd(t0.costUsd),
      '100%',
    ]);

    expect(budgetsRun.code).toBe(0);
    const daily = budgets.find((w: any) => w.window === 'daily');
    const row = budgetsRun.stdout.split('\n').find((l) => l.startsWith('daily '))!;
    const pct = Math.round(daily.fractionUsed * 100);
    const bar = '█'.repeat(Math.round(daily.fractionUsed * 20)).padEnd(20, '░');
    expect(row.split(/\s{2,}/)).toEqual([
      'daily',
      `${bar}`,
      `${pct}%`,
      daily.zone,
      `${daily.used.tokens} tokens, ${usd(daily.used.usd)}`,
      `${daily.reserved.tokens} tokens, ${usd(daily.reserved.usd)}`,
      '100,000 tokens / $10.00',
      expect.stringMatching(/^(\d+ (min|h|d)|\d+ h \d+ min|—)$/),
      daily.nextReset.slice(0, 16).replace('T', ' '),
    ]);
    expect(daily.used.tokens).toBe(300);
  });

  it('should exit 3 with the API message for a wrong key, never printing the key, and for a service that is not there', async () => {
    await boot();

    const wrong = await cli(['list'], { CONCLAVE_URL: t!.url, CONCLAVE_API_KEY: 'wrong-key-0123456789' });
    const viaFlag = await cli(['--key', 'wrong-key-0123456789', 'budgets'], { CONCLAVE_URL: t!.url });
    const port = await freePort();
    const nowhere = await cli(['list'], { CONCLAVE_URL: `http://127.0.0.1:${port}` });

    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toBe('error: 401 Unauthorized: send the API key as "Authorization: Bearer <key>"\n');
    expect(wrong.stdout).toBe('');
    expect(viaFlag.code).toBe(3);
    expect(viaFlag.stderr + viaFlag.stdout).not.toContain('wrong-key');
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toBe(
      `error: cannot reach the service at http://127.0.0.1:${port}/ (ECONNREFUSED); start it with "npm start", set --url / CONCLAVE_URL, or pass --embedded\n`,
    );
  });

  it('should exit 2 on bad usage, saying what is wrong, and 3 with the message when the service refuses the request', async () => {
    await boot();

    const runs = await Promise.all([
      cli(['ask', QUESTION, '-p', 'cloud'], env()),
      cli(['ask', QUESTION, ...TWO, '--frobnicate'], env()),
      cli(['ask', QUESTION, ...TWO, '--rounds', 'many'], env()),
      cli(['ask', QUESTION, '-p', 'cloud:for:a:b', '-p', 'cloud'], env()),
      cli(['ask', QUESTION, ...TWO, '--context-file', '/nonexistent/context.md'], env()),
      cli(['watch', 'not-an-id'], env()),
      cli(['usage', '--by', 'team'], env()),
      cli(['frobnicate'], env()),
      cli([], env()),
      cli(['list'], { CONCLAVE_URL: 'ftp://example' }),
    ]);
    const refused = await cli(['ask', QUESTION, '-p', 'nobody', '-p', 'cloud'], env());
    const conflict = await cli(['usage', '--from', '2026-12-02', '--to', '2026-12-01'], env());

    expect(runs.map((r) => r.code)).toEqual(runs.map(() => 2));
    const [one, unknown, badNumber, badSpec, noFile, badId, badBy, badCommand, , badUrl] = runs.map((r) => r.stderr);
    expect(one).toBe('error: at least two participants are needed, e.g. -p claude -p codex:against\n');
    expect(unknown).toContain("error: unknown option '--frobnicate'");
    expect(badNumber).toContain('--rounds must be a positive whole number, got "many"');
    expect(badSpec).toContain('at most a stance (for, against, neutral) and a role');
    expect(noFile).toBe('error: --context-file: cannot read /nonexistent/context.md (ENOENT)\n');
    expect(badId).toContain('the id must be an id like');
    expect(badBy).toContain("argument 'team' is invalid. Allowed choices are adapter, model, day, deliberation, role.");
    expect(badCommand).toContain("error: unknown command 'frobnicate'");
    expect(badUrl).toBe('error: --url / CONCLAVE_URL must be an http(s) URL, got "ftp://example"\n');
    expect(arrived).toHaveLength(0);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^error: 400 Bad Request: .*no adapter named "nobody"/);
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toMatch(/^error: 400 Bad Request: /);
  });

  it('should list, show, estimate and list adapters from the service, and give --help with an example on every command', async () => {
    await boot();
    const asked = JSON.parse((await cli(['--json', 'ask', QUESTION, ...TWO, '--quick'], env())).stdout);

    const [watch, list, show, transcript, adapters, estimate, estimateJson] = await Promise.all([
      cli(['watch', asked.id], env()),
      cli(['list', '--status', 'completed'], env()),
      cli(['show', asked.id], env()),
      cli(['show', asked.id, '--transcript'], env()),
      cli(['adapters'], env()),
      cli(['estimate', QUESTION, ...TWO, '--rounds', '2', '--max-tokens', '100'], env()),
      cli(['--json', 'estimate', QUESTION, ...TWO, '--rounds', '2'], env()),
    ]);

    // A finished deliberation told again from its stored events, with the spend the ledger has per round.
    const tokens = await get(`/v1/deliberations/${asked.id}/tokens`);
    expect(watch.code).toBe(0);
    expect(watch.stdout).toContain(`Round 1 of 1\n  #0 cloud (for) `);
    expect(watch.stdout).toContain(`  round 1 done: convergence — (first round) · so far 300 tokens, ${usd(tokens.totals.costUsd)}\n`);
    expect(watch.stdout).toContain(`\nOutcome: ${asked.result.outcome} — `);
    expect(list.stdout.split('\n')[2].split(/\s{2,}/)).toEqual([
      asked.id,
      'completed',
      '1/1',
      asked.result.outcome,
      asked.createdAt.slice(0, 16).replace('T', ' '),
      'Should our billing service move from REST polling to webhoo…',
    ]);
    expect(show.stdout.split('\n').slice(0, 2)).toEqual([`${asked.id}  completed  created ${asked.createdAt}`, `Question: ${QUESTION}`]);
    expect(show.stdout).toContain('Round 1 of 1\n  #0 cloud (for) ');
    expect(transcript.stdout).toBe(`${(await request(t!.url).get(`/v1/deliberations/${asked.id}/transcript`).set(auth)).text.trimEnd()}\n`);
    expect(adapters.stdout.split('\n')[2]).toBe('cloud    http  openai    T2    gpt-5-mini  gpt-5            reachable');
    const e = JSON.parse(estimateJson.stdout);
    expect(estimate.code).toBe(0);
    const total = estimate.stdout
      .split('\n')
      .find((l) => l.startsWith('total'))!
      .split(/\s{2,}/);
    expect(total.slice(1, 4)).toEqual([e.total.tokens.low, e.total.tokens.expected, e.total.tokens.high].map((n: number) => n.toLocaleString('en-US')));
    expect(estimate.stdout).toContain('Own budget (100 tokens): does not fit');
    expect(arrived).toHaveLength(2);

    const commands = ['ask', 'estimate', 'watch', 'show', 'list', 'pause', 'cancel', 'resume', 'usage', 'budgets', 'adapters'];
    const helps = await Promise.all(commands.map((c) => cli([c, '--help'])));
    for (const help of helps) {
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\nExample:\n {2}conclave /);
    }
  });

  it('should start the service in-process with --embedded for one command, its logs kept off stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-embedded-'));
    try {
      const cassette = resolve(__dirname, '../demo/cassette.json');
      writeFileSync(
        join(dir, 'conclave.yaml'),
        `server: { logLevel: info }\nadapters:\n  - { name: architect, kind: replay, cassette: ${cassette}, tier: T3, models: { fast: claude-haiku-4-5, reasoning: claude-sonnet-4-5 } }\n  - { name: sre, kind: replay, cassette: ${cassette}, tier: T2, models: { fast: gpt-5-mini, reasoning: gpt-5 } }\n`,
      );
      // ./conclave.yaml and the default ./data/conclave.sqlite, as a person in that folder would have them.
      const adapters = await cli(['--embedded', 'adapters'], {}, dir);
      const asked = await cli(
        [
          '--embedded',
          'ask',
          'Should our billing service move from REST polling to webhooks for payment status updates?',
          '-p',
          'architect:for',
          '-p',
          'sre',
          '--quick',
        ],
        {},
        dir,
      );
      const list = await cli(['--embedded', '--json', 'list'], {}, dir);

      expect(adapters.stderr).toBe('');
      expect(adapters.code).toBe(0);
      expect(adapters.stdout.split('\n')).toEqual([
        expect.stringMatching(/^adapter +kind +provider +tier/),
        expect.stringMatching(/^─+/),
        expect.stringMatching(/^architect +replay +replay +T3 +claude-haiku-4-5 +claude-sonnet-4-5 +reachable$/),
        expect.stringMatching(/^sre +replay +replay +T2 +gpt-5-mini +gpt-5 +reachable$/),
        '',
      ]);
      expect(asked.code).toBe(0);
      expect(asked.stdout).toMatch(/^Deliberation /);
      expect(asked.stdout).not.toMatch(/"level"|"msg"/);
      const listed = JSON.parse(list.stdout);
      expect(listed.items).toHaveLength(1);
      expect(listed.items[0]).toMatchObject({ status: 'completed', mode: 'quick' });
      expect(readFileSync(join(dir, 'data', 'conclave.sqlite')).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should detach on Ctrl-C without a terminal, saying the id and how to watch, and leave the deliberation running', async () => {
    await boot();
    const open = hold();
    const child = start(['ask', QUESTION, ...TWO, '--rounds', '2'], env());
    await until(() => child.stdout().includes('Round 2 of 2') && arrived.some((c) => c.round === 2), 'round 2');
    const id = new RegExp(`^Deliberation (${UUID})$`, 'm').exec(child.stdout())![1];

    child.kill('SIGINT');
    const run = await child.done;

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`\nDetached from ${id} \\(running, \\d[\\d,]* tokens so far\\); it goes on in the service\\. Watch it with: conclave watch ${id}\n$`),
    );
    // Detached, not stopped: the run goes on once its provider answers.
    let view = await get(`/v1/deliberations/${id}`);
    expect(view.status).toBe('running');
    open();
    for (const deadline = Date.now() + 10_000; ['queued', 'running'].includes(view.status) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 25));
      view = await get(`/v1/deliberations/${id}`);
    }
    expect(view.status).toBe('completed');
  });

  it('should pause from the command line (exit 5, the checkpoint printed), refuse a second pause with the API message, and resume', async () => {
    await boot();
    hold();
    const created = (
      await request(t!.url)
        .post('/v1/deliberations')
        .set(auth)
        .send({
          question: QUESTION,
          participants: [
            { adapter: 'cloud', stance: 'for' },
            { adapter: 'cloud', stance: 'against' },
          ],
          maxRounds: 3,
        })
        .expect(202)
    ).body;
    await until(() => arrived.some((c) => c.round === 2), 'round 2');

    // --now cuts the held call (the answer that arrived is kept): the pause takes at once.
    const paused = await cli(['pause', created.id, '--now'], env());

    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(5);
    const view = await get(`/v1/deliberations/${created.id}`);
    expect(view.pause.reason).toBe('person');
    expect(paused.stdout).toBe(`Paused: person (person)\nResume it with: conclave resume ${view.latestCheckpointId}\n`);
    const again = await cli(['pause', created.id], env());
    expect(again.code).toBe(3);
    expect(again.stderr).toBe(
      `error: 409 Conflict: deliberation ${created.id} is paused; only a queued or running deliberation can be paused (code: DELIBERATION_NOT_RUNNING, status: paused)\n`,
    );

    gate = null;
    const resumed = await cli(['resume', view.latestCheckpointId], env());
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Round 3 of 3');
    const cancelled = await cli(['cancel', created.id], env());
    expect(cancelled.code).toBe(3);
    expect(cancelled.stderr).toContain(`error: 409 Conflict: deliberation ${created.id} is already completed; nothing to cancel`);
  });

  describe('Ctrl-C in a terminal (tmux)', () => {
    const socket = `conclave-cli-e2e-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'conclave-cli-tty-'));
    });

    afterEach(() => {
      try {
        tmux('kill-server');
      } catch {
        // no server left
      }
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs ask in a 200×50 terminal; the exit code lands in a file, and the pane stays for reading. */
    function askInTerminal(rounds: number): { screen(): string; exitCode(): string | null } {
      const exitFile = join(dir, 'exit');
      const command = `CONCLAVE_URL=${t!.url} CONCLAVE_API_KEY=${KEY} ${process.execPath} ${BIN} ask '${QUESTION}' -p cloud:for -p cloud:against --rounds ${rounds}; echo $? > ${exitFile}; sleep 60`;
      tmux('new-session', '-d', '-s', 'cli', '-x', '200', '-y', '50', command);
      return {
        screen: () => tmux('capture-pane', '-p', '-t', 'cli'),
        exitCode: () => {
          try {
            return readFileSync(exitFile, 'utf8').trim() || null;
          } catch {
            return null;
          }
        },
      };
    }

    it('should ask "pause, cancel or detach?" and cancel through the API on c (exit 4)', async () => {
      await boot();
      const open = hold();
      const term = askInTerminal(2);
      await until(() => term.screen().includes('Round 2 of 2') && arrived.some((c) => c.round === 2), 'round 2 on the screen');
      // The status line: the round's progress bar and the running spend, drawn only on a terminal.
      await until(() => /[█░]{20} 1\/2 answered · [\d,]+ tokens, \$/.test(term.screen()), 'the progress bar');
      const id = new RegExp(`Deliberation (${UUID})`).exec(term.screen())![1];

      tmux('send-keys', '-t', 'cli', 'C-c');
      await until(() => term.screen().includes('pause, cancel or detach? [p/c/d]'), 'the prompt');
      tmux('send-keys', '-t', 'cli', 'c');
      await until(() => term.exitCode() !== null, 'the exit');
      open();

      expect(term.exitCode()).toBe('4');
      expect(term.screen()).toContain('pause, cancel or detach? [p/c/d] cancel');
      expect(term.screen()).toContain('Cancelled.');
      expect((await get(`/v1/deliberations/${id}`)).status).toBe('cancelled');
    });

    it('should pause through the API on p: the calls in flight finish, then it stands paused (exit 5)', async () => {
      await boot();
      const open = hold();
      // Three rounds: a pause after the last round's calls would find nothing left to pause.
      const term = askInTerminal(3);
      await until(() => term.screen().includes('Round 2 of 3') && arrived.some((c) => c.round === 2), 'round 2 on the screen');
      const id = new RegExp(`Deliberation (${UUID})`).exec(term.screen())![1];

      tmux('send-keys', '-t', 'cli', 'C-c');
      await until(() => term.screen().includes('pause, cancel or detach? [p/c/d]'), 'the prompt');
      tmux('send-keys', '-t', 'cli', 'p');
      await until(() => term.screen().includes('Pausing: the calls in flight finish first'), 'the pause taken');
      open();
      await until(() => term.exitCode() !== null, 'the exit');

      expect(term.exitCode()).toBe('5');
      const view = await get(`/v1/deliberations/${id}`);
      expect(view).toMatchObject({ status: 'paused', pause: { reason: 'person' } });
      expect(term.screen()).toContain(`Resume it with: conclave resume ${view.latestCheckpointId}`);
    });
  });
});
