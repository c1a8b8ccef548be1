import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerService } from '@app/tokens';
import { createCliScripts, type CliScripts } from '../../../../test/fixtures/cli-scripts';
import { AdapterError, type InvokeRequest } from '../adapter.types';
import { createAdapter } from '../adapter.factory';
import { LONG_PROMPT_BYTES, type CliProvider } from '../provider-defaults';
import { cliConfig } from '../testing/adapter-configs';

/**
 * process.kill(pid, 0) also succeeds for a zombie: a killed grandchild stays one until init reaps it, which
 * can take a while in containers. A zombie has died, so on Linux its /proc state 'Z' counts as dead.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return true;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('CliAdapter against real scripts', () => {
  const tokenizer = new TokenizerService();
  let scripts: CliScripts;

  beforeAll(() => {
    scripts = createCliScripts();
  });
  afterAll(() => {
    scripts.cleanup();
    tokenizer.onModuleDestroy();
  });

  function adapter(command: string, provider: CliProvider = 'claude', timeoutMs = 5000, fields: { maxResponseBytes?: number } = {}) {
    return createAdapter(cliConfig({ provider, command, timeoutMs, ...fields }), { tokenizer, env: { PATH: scripts.dir } });
  }

  function request(fields: Partial<InvokeRequest> = {}): InvokeRequest {
    return { prompt: 'Should billing move to webhooks?', systemPrompt: 'Be brief.', model: 'sonnet', signal: new AbortController().signal, ...fields };
  }

  async function failure(promise: Promise<unknown>): Promise<AdapterError> {
    try {
      await promise;
    } catch (e) {
      expect(e).toBeInstanceOf(AdapterError);
      return e as AdapterError;
    }
    throw new Error('expected the call to fail');
  }

  it('should return the output with estimated usage', async () => {
    const sut = adapter(scripts.normal('Adopt webhooks.'));

    const result = await sut.invoke(request());

    expect(result.text).toBe('Adopt webhooks.');
    const input = tokenizer.count('Should billing move to webhooks?', 'sonnet') + tokenizer.count('Be brief.', 'sonnet');
    expect(result.usage).toMatchObject({
      inputTokens: input,
      outputTokens: tokenizer.count('Adopt webhooks.', 'sonnet'),
      reasoningTokens: 0,
      cachedInputTokens: 0,
      accuracy: 'estimated',
      adapter: 'cli-claude',
      provider: 'claude',
      model: 'sonnet',
    });
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
  });

  it('should find a bare command name on PATH', async () => {
    scripts.normal('from PATH', 'fake-claude');
    const sut = adapter('fake-claude');

    await expect(sut.invoke(request())).resolves.toMatchObject({ text: 'from PATH' });
  });

  it('should strip ANSI codes, spinner redraws and banner lines', async () => {
    const sut = adapter(scripts.ansi('Keep polling.', ['Loaded cached credentials.']), 'gemini');

    const result = await sut.invoke(request());

    expect(result.text).toBe('Keep polling.');
  });

  it.each<[CliProvider, string[]]>([
    ['claude', ['-p', 'Should billing move to webhooks?', '--model=sonnet', '--append-system-prompt', 'Be brief.']],
    ['codex', ['exec', '--model=sonnet', 'Be brief.\n\nShould billing move to webhooks?']],
    ['gemini', ['-p', 'Be brief.\n\nShould billing move to webhooks?', '--model=sonnet']],
    ['droid', ['exec', '--model=sonnet', 'Be brief.\n\nShould billing move to webhooks?']],
  ])('should pass the prompt to %s as argv without a shell', async (provider, argv) => {
    const sut = adapter(scripts.echo(), provider);

    const result = await sut.invoke(request());

    expect(JSON.parse(result.text)).toEqual({ argv, stdin: null });
  });

  it('should pass a prompt with shell metacharacters through untouched', async () => {
    const sut = adapter(scripts.echo());
    const prompt = '$(touch /tmp/pwned) `id` ; rm -rf / && echo "quoted" \'single\' | cat > x';

    const result = await sut.invoke(request({ prompt, systemPrompt: undefined }));

    expect(JSON.parse(result.text).argv).toEqual(['-p', prompt, '--model=sonnet']);
  });

  it('should send a prompt over 100 kB through stdin', async () => {
    const sut = adapter(scripts.echo(), 'codex');
    const prompt = 'word '.repeat(LONG_PROMPT_BYTES / 5 + 10);

    const result = await sut.invoke(request({ prompt, systemPrompt: undefined }));

    const echoed = JSON.parse(result.text) as { argv: string[]; stdin: string | null };
    expect(echoed.argv).toEqual(['exec', '--model=sonnet', '-']);
    // Compared as a boolean so a failure does not print 100 kB.
    expect(echoed.stdin === prompt).toBe(true);
  });

  it('should fail with process_exit carrying the stderr excerpt on a non-zero exit', async () => {
    const sut = adapter(scripts.failing(3, '\u001b[31mError: model "sonnet" is not available\u001b[0m\n', 'partial'));

    const error = await failure(sut.invoke(request()));

    expect(error.kind).toBe('process_exit');
    expect(error.message).toContain('exited with code 3');
    expect(error.excerpt).toBe('Error: model "sonnet" is not available');
    expect(error.retryable).toBe(false);
    expect(error.usage).toMatchObject({ accuracy: 'unavailable', totalTokens: 0 });
  });

  it('should kill the whole process group when the call times out', async () => {
    const pidFile = join(scripts.dir, 'hang-timeout.json');
    const sut = adapter(scripts.hang(pidFile), 'claude', 500);
    const started = Date.now();

    const error = await failure(sut.invoke(request()));

    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(existsSync(pidFile)).toBe(true);
    const { pid, child } = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number; child: number };
    expect(await waitFor(() => !alive(pid) && !alive(child), 2000)).toBe(true);
  });

  it('should kill the process group when the call is cancelled', async () => {
    const pidFile = join(scripts.dir, 'hang-cancel.json');
    const sut = adapter(scripts.hang(pidFile), 'claude', 10_000);
    const controller = new AbortController();
    const waiting = failure(sut.invoke(request({ signal: controller.signal })));
    expect(await waitFor(() => existsSync(pidFile), 3000)).toBe(true);
    const before = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number; child: number };
    expect(alive(before.pid) && alive(before.child)).toBe(true);

    controller.abort();
    const error = await waiting;

    expect(error.kind).toBe('cancelled');
    const { pid, child } = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number; child: number };
    expect(await waitFor(() => !alive(pid) && !alive(child), 2000)).toBe(true);
  });

  it('should collect several MB of output whole when maxResponseBytes allows it', async () => {
    const bytes = 3 * 1024 * 1024;
    const sut = adapter(scripts.bigOutput(bytes), 'claude', 5000, { maxResponseBytes: 4 * 1024 * 1024 });

    const result = await sut.invoke(request());

    // Trailing newline trimmed; every other byte kept.
    expect(result.text.length).toBeGreaterThan(bytes - 2);
    expect(result.text.startsWith('lorem ipsum')).toBe(true);
    expect(result.usage.outputTokens).toBeGreaterThan(300_000);
  });

  it('should stop a CLI whose output passes maxResponseBytes (default 1 MiB) with response_too_large', async () => {
    const sut = adapter(scripts.bigOutput(50 * 1024 * 1024), 'claude', 20_000);
    const started = Date.now();

    const error = await failure(sut.invoke(request()));

    expect(error.kind).toBe('response_too_large');
    expect(error.message).toContain('1048576');
    expect(error.usage).toMatchObject({ accuracy: 'unavailable', totalTokens: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each(['--yolo', '/etc/passwd', '-c model_provider=evil', 'a b', 'x\u0000y'])(
    'should refuse the unsafe model %p without starting the CLI',
    async (model) => {
      const marker = join(scripts.dir, `ran-${Math.random().toString(36).slice(2)}`);
      const sut = adapter(
        scripts.write(`marker-${Math.random().toString(36).slice(2)}`, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');`),
        'gemini',
      );

      const error = await failure(sut.invoke(request({ model })));

      expect(error.kind).toBe('model_refused');
      expect(existsSync(marker)).toBe(false);
    },
  );

  it('should report the executable as reachable', async () => {
    await expect(adapter(scripts.normal('x')).probe()).resolves.toBe(true);
  });
});
