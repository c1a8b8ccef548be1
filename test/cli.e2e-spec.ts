import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { answer, httpAdapter, prose, startScriptedProvider, type ScriptedProvider, type Stance } from './support/round-script';
import { usd } from '../apps/cli/src/format';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The built `conclave` binary as a person runs it: a child process against the service with scripted
 * providers. Output is checked line by line; exit codes are the contract (0 finished, 2 usage, 3 refused,
 * 4 failed or cancelled, 5 paused).
 */

const BIN = resolve(__dirname, '../dist/apps/cli/src/main.js');
const KEY = 'cli-test-key-0123456789';
const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const USAGE = { input: 100, output: 50 };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('conclave CLI (e2e, the built binary)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;
  let hold: Promise<void> | null = null;

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    t = provider = undefined;
    hold = null;
  });

  async function boot(config: Record<string, unknown> = {}): Promise<TestApp> {
    provider = await startScriptedProvider(async (c) => {
      if (hold && c.round === 2) await hold;
      return { text: answer(prose(c.stance, c.round), c.stance === 'against' && c.round === 1 ? 'Keep polling' : 'Adopt webhooks', true), usage: USAGE };
    });
    t = await startTestApp({
      server: { apiKey: KEY },
      adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })],
      deliberation: { maxOutputTokens: 1000 },
      ...config,
    });
    return t;
  }

  const env = () => ({ CONCLAVE_URL: t!.url, CONCLAVE_API_KEY: KEY });
  const p = (stance: Stance) => ['-p', `cloud:${stance}`];

  it('should ask, print one line per answer per round, the convergence, the outcome and the cost, and exit 0', async () => {
    await boot();

    const run = await cli(['ask', QUESTION, ...p('for'), ...p('against'), '--rounds', '2'], env());

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^Deliberation [0-9a-f-]{36}$/);
    expect(lines).toContain('Round 1 of 2');
    expect(lines).toContain('Round 2 of 2');
    const id = lines[0].split(' ')[1];
    const tokens = (await request(t!.url).get(`/v1/deliberations/${id}/tokens`).set('authorization', `Bearer ${KEY}`).expect(200)).body;
    const round1 = tokens.byRound.find((r: any) => r.round === 1);
    // One line per answer: who (and the model its tier chose), the vote with its confidence, tokens, time.
    expect(lines.filter((l) => /^ {2}#0 cloud \(gpt-5(-mini)?\) {2}"Adopt webhooks" \(80%\) {2}150 tokens · \d+ ms$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^ {2}#1 cloud \(gpt-5(-mini)?\) {2}"Keep polling" \(80%\) {2}150 tokens · \d+ ms$/.test(l))).toHaveLength(1);
    expect(lines).toContain(`  round 1 done: convergence: first round · spent 300 tokens, ${usd(round1.costUsd)}`);
    expect(lines.some((l) => /^ {2}round 2 done: convergence 0\.\d\d \((refining|converged|diverging)\) · spent 600 tokens, \$/.test(l))).toBe(true);
    expect(lines.some((l) => /^Outcome: unanimous — "Adopt webhooks" \(stopped: max_rounds, 2 round\(s\), /.test(l))).toBe(true);
    expect(lines).toContain('   2 × "Adopt webhooks" avg confidence 80%, #0 #1');
    expect(lines).toContain(`Cost: 600 tokens in 4 call(s), ${usd(tokens.totals.costUsd)}`);
  });

  it('should print only the final state as JSON with --json', async () => {
    await boot();

    const run = await cli(['--json', 'ask', QUESTION, ...p('for'), ...p('against'), '--quick'], env());

    expect(run.code).toBe(0);
    const view = JSON.parse(run.stdout);
    expect(view).toMatchObject({ status: 'completed', question: QUESTION, result: { roundsUsed: 1 } });
    const rest = (await request(t!.url).get(`/v1/deliberations/${view.id}`).set('authorization', `Bearer ${KEY}`).expect(200)).body;
    expect(view.result).toEqual(rest.result);
  });

  it('should exit 5 when the budget pauses the deliberation, print how to resume, and resume it to completion', async () => {
    await boot();

    // 2 × (prompt + 1000) is reserved per round: 3,000 tokens pay for round 1 and not round 2.
    const paused = await cli(['ask', QUESTION, ...p('for'), ...p('against'), '--rounds', '2', '--max-tokens', '3000'], env());

    expect(paused.code).toBe(5);
    const resumeLine = paused.stdout.split('\n').find((l) => l.startsWith('Resume it with: conclave resume '))!;
    expect(paused.stdout).toContain('Paused: budget (deliberation.tokens)');
    const checkpoint = resumeLine.split(' ')[5];

    const resumed = await cli(['resume', checkpoint, '--max-tokens', '100000'], env());

    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Round 2 of 2');
    expect(resumed.stdout).toMatch(/Outcome: unanimous/);
  });

  it('should print usage and budgets with the figures the REST routes give', async () => {
    await boot({ budgets: { daily: { tokens: 100_000 } } });
    await cli(['ask', QUESTION, ...p('for'), ...p('against'), '--quick'], env());
    const auth = { authorization: `Bearer ${KEY}` };
    const usage = (await request(t!.url).get('/v1/usage?groupBy=model').set(auth).expect(200)).body;
    const budgets = (await request(t!.url).get('/v1/budgets/status').set(auth).expect(200)).body;

    const usageRun = await cli(['usage', '--by', 'model'], env());
    const budgetsRun = await cli(['budgets'], env());

    expect(usageRun.code).toBe(0);
    const row = usageRun.stdout.split('\n').find((l) => l.startsWith('gpt-5'))!;
    const group = usage.groups[0];
    expect(row.split(/\s{2,}/)).toEqual([group.key, String(group.calls), String(group.totalTokens), String(group.inputTokens), String(group.outputTokens), '0', usd(group.costUsd), '100%']);
    const daily = budgets.find((w: any) => w.window === 'daily');
    expect(budgetsRun.code).toBe(0);
    expect(budgetsRun.stdout).toContain(`spent ${daily.used.tokens} tokens, ${usd(daily.used.usd)} · reserved 0 tokens, $0 · limit 100,000 tokens`);
    expect(budgetsRun.stdout).toMatch(new RegExp(`^daily +[█░]{20} GREEN +${Math.round(daily.fractionUsed * 100)}%$`, 'm'));
  });

  it('should exit 3 with the API message for a wrong key, and for a service that is not there', async () => {
    await boot();

    const wrong = await cli(['list'], { CONCLAVE_URL: t!.url, CONCLAVE_API_KEY: 'wrong-key-0123456789' });
    const nowhere = await cli(['list'], { CONCLAVE_URL: 'http://127.0.0.1:9' });

    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/^error: 401 /);
    expect(wrong.stderr).not.toContain('wrong-key');
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toContain('cannot reach the service at http://127.0.0.1:9');
  });

  it('should exit 2 on bad usage, saying what is wrong, and 3 when the service refuses the request', async () => {
    await boot();

    const one = await cli(['ask', QUESTION, ...p('for')], env());
    const unknown = await cli(['ask', QUESTION, '--frobnicate'], env());
    const badNumber = await cli(['ask', QUESTION, ...p('for'), ...p('against'), '--rounds', 'many'], env());
    const refused = await cli(['ask', QUESTION, '-p', 'nobody', '-p', 'cloud'], env());

    expect([one.code, unknown.code, badNumber.code]).toEqual([2, 2, 2]);
    expect(one.stderr).toContain('at least two participants');
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
    expect(badNumber.stderr).toContain('--rounds must be a positive whole number');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('participants.0.adapter: no adapter named "nobody"');
  });

  it('should answer list, show and adapters from the service, and --help with an example on every command', async () => {
    await boot();
    const asked = JSON.parse((await cli(['--json', 'ask', QUESTION, ...p('for'), ...p('against'), '--quick'], env())).stdout);

    const list = await cli(['list'], env());
    const show = await cli(['show', asked.id, '--transcript'], env());
    const adapters = await cli(['adapters'], env());

    expect(list.stdout.split('\n')[2]).toMatch(new RegExp(`^${asked.id} +completed +1/1 +tie +`));
    expect(show.stdout).toContain('## Result');
    expect(adapters.stdout.split('\n')[2]).toMatch(/^cloud +http +openai +T2 +gpt-5-mini +gpt-5 +reachable$/);
    for (const command of ['ask', 'estimate', 'watch', 'show', 'list', 'pause', 'cancel', 'resume', 'usage', 'budgets', 'adapters']) {
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Example:\n  conclave ');
    }
  });

  it('should start the service in-process with --embedded for one command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-embedded-'));
    try {
      const config = join(dir, 'conclave.yaml');
      writeFileSync(config, 'adapters:\n  - { name: replayed, kind: replay, cassette: ./demo/cassette.json, tier: T0, models: { fast: m, reasoning: m } }\n');
      const run = await cli(['--embedded', 'adapters'], { CONCLAVE_CONFIG: config, CONCLAVE_DB: join(dir, 'c.sqlite') });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n')[0]).toMatch(/^adapter +kind +provider/);
      expect(run.stdout).toMatch(/^replayed +replay /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should ask "pause, cancel or detach?" on Ctrl-C in a terminal, and cancel through the API when told to', async () => {
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    await boot();
    const session = `conclave-cli-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
    const out = join(mkdtempSync(join(tmpdir(), 'conclave-cli-tty-')), 'exit');
    const command = `CONCLAVE_URL=${t!.url} CONCLAVE_API_KEY=${KEY} ${process.execPath} ${BIN} ask "${QUESTION}" -p cloud:for -p cloud:against --rounds 2; echo $? > ${out}`;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', command);
    try {
      await until(() => tmux('capture-pane', '-p', '-t', session).includes('Round 2 of 2'));
      const id = /Deliberation ([0-9a-f-]{36})/.exec(tmux('capture-pane', '-p', '-t', session))?.[1];
      tmux('send-keys', '-t', session, 'C-c');
      await until(() => tmux('capture-pane', '-p', '-t', session).includes('pause, cancel or detach? [p/c/d]'));
      tmux('send-keys', '-t', session, 'c', 'Enter');
      await until(() => exitCodeIn(out) !== null);
      expect(exitCodeIn(out)).toBe('4');
      const view = (await request(t!.url).get(`/v1/deliberations/${id}`).set('authorization', `Bearer ${KEY}`).expect(200)).body;
      expect(view.status).toBe('cancelled');
    } finally {
      release();
      try {
        tmux('kill-session', '-t', session);
      } catch {
        // already ended with the command
      }
    }
  });
});

function exitCodeIn(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
