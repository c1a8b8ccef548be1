import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createCliScripts, type CliScripts } from './fixtures/cli-scripts';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A request-chosen model reaches CLI argv. Before the fix any 1–128 character string got there:
 * `--yolo` (gemini's auto-approve), `/etc/passwd` (llama.cpp's model file), `-c model_provider=evil`
 * (codex config). Now a refused model is a 400 at create naming the adapter and what it allows, no
 * process starts, and an allowed one reaches argv as `--model=<name>` (llama.cpp: `-m <name>`).
 */
describe('participants[].model never reaches CLI argv unchecked (e2e)', () => {
  let scripts: CliScripts;
  let t: TestApp;
  let log: string;

  const models = (p: string) => ({ fast: `${p}-fast`, reasoning: `${p}-pro` });

  beforeAll(async () => {
    scripts = createCliScripts();
    log = join(scripts.dir, 'argv.log');
    // Every run appends its argv to the log, then answers.
    const recorder = scripts.write(
      'recorder',
      `require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');
process.stdout.write('Webhooks.\\nVOTE: {"option": "Webhooks", "confidence": 0.8}\\n');`,
    );
    const cli = (name: string, provider: string, extra: Record<string, unknown> = {}) => ({
      name,
      kind: 'cli',
      provider,
      command: recorder,
      tier: 'T1',
      models: models(name),
      timeoutMs: 5000,
      ...extra,
    });
    t = await startTestApp({
      adapters: [
        cli('claude', 'claude'),
        cli('codex', 'codex'),
        cli('gemini', 'gemini', { allowedModels: ['gemini-2.5-flash-lite'] }),
        cli('droid', 'droid'),
        cli('llamacpp', 'llamacpp'),
        cli('codex-any', 'codex', { allowedModels: ['*'] }),
        {
          name: 'router',
          kind: 'http',
          provider: 'openrouter',
          baseUrl: 'http://127.0.0.1:9/api/v1',
          tier: 'T2',
          models: { fast: 'openai/gpt-4o-mini', reasoning: 'openai/gpt-4o' },
          maxRetries: 0,
        },
      ],
    });
  });

  afterAll(async () => {
    await t.close();
    scripts.cleanup();
  });

  function recorded(): string[][] {
    return existsSync(log)
      ? readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as string[])
      : [];
  }

  function create(participants: Array<Record<string, unknown>>, wait = false) {
    return request(t.url)
      .post(`/v1/deliberations${wait ? '?wait=true' : ''}`)
      .send({ question: 'Webhooks or polling?', mode: 'quick', participants });
  }

  const hostile = ['--yolo', '/etc/passwd', '-c model_provider=evil', 'a b', 'x\u0000y', '../../bin/sh', '-m'];
  const adapters = ['claude', 'codex', 'gemini', 'droid', 'llamacpp', 'codex-any'];

  it.each(adapters.flatMap((adapter) => hostile.map((model) => [adapter, model])))(
    'should answer 400 naming %s for model %j, start no process and store nothing',
    async (adapter, model) => {
      const before = recorded().length;

      const res = await create([{ adapter, model }, { adapter: 'claude' }]).expect(400);

      expect(res.body.message).toContain(`participants.0.model`);
      expect(res.body.message).toContain(`adapter "${adapter}"`);
      expect(res.body.message).toContain('allowed:');
      expect(res.body.details).toMatchObject({ code: 'MODEL_NOT_ALLOWED', adapter });
      expect(recorded().length).toBe(before);
      const list = await request(t.url).get('/v1/deliberations').expect(200);
      expect(list.body.items).toHaveLength(0);
    },
  );

  it("should list the allowed models: the adapter's own by default, plus allowedModels", async () => {
    const own = await create([{ adapter: 'claude', model: 'opus' }, { adapter: 'codex' }]).expect(400);
    expect(own.body.message).toContain('is not allowed for adapter "claude"; allowed: claude-fast, claude-pro');
    expect(own.body.details.allowed).toEqual(['claude-fast', 'claude-pro']);

    const listed = await create([{ adapter: 'gemini', model: 'gemini-exp' }, { adapter: 'codex' }]).expect(400);
    expect(listed.body.details.allowed).toEqual(['gemini-fast', 'gemini-pro', 'gemini-2.5-flash-lite']);
    expect(recorded()).toHaveLength(0);
  });

  it('should pass an allowed model as one --model=<name> element (llama.cpp: -m <name>)', async () => {
    const res = await create(
      [
        { adapter: 'claude', model: 'claude-pro' },
        { adapter: 'codex', model: 'codex-fast' },
        { adapter: 'gemini', model: 'gemini-2.5-flash-lite' },
        { adapter: 'droid', model: 'droid-pro' },
        { adapter: 'llamacpp', model: 'llamacpp-pro' },
        { adapter: 'codex-any', model: 'gpt-5.1-codex-max' },
      ],
      true,
    ).expect(200);

    expect(res.body.status).toBe('completed');
    const argvs = recorded();
    for (const flag of ['--model=claude-pro', '--model=codex-fast', '--model=gemini-2.5-flash-lite', '--model=droid-pro', '--model=gpt-5.1-codex-max']) {
      expect(argvs.some((argv) => argv.includes(flag))).toBe(true);
    }
    expect(argvs.some((argv) => argv[argv.indexOf('-m') + 1] === 'llamacpp-pro')).toBe(true);
    // The name is never a separate argv element that a parser could read as a flag of its own.
    expect(argvs.some((argv) => argv.includes('--model'))).toBe(false);
  });

  it('should accept provider names with "/" on an HTTP adapter whose provider uses them, and refuse paths', async () => {
    const bad = await create([{ adapter: 'router', model: '/etc/passwd' }, { adapter: 'claude' }]).expect(400);
    expect(bad.body.message).toContain('adapter "router"');
    expect(bad.body.details.allowed).toContain('*');

    // Accepted at create (the provider at :9 is unreachable; only the check matters here).
    const ok = await create([{ adapter: 'router', model: 'meta-llama/llama-3.1-8b-instruct:free' }, { adapter: 'claude' }]).expect(202);
    expect(ok.body.id).toEqual(expect.any(String));
    await request(t.url).post(`/v1/deliberations/${ok.body.id}/cancel`);
  });

  it('should refuse a hostile model in a resume too', async () => {
    const done = await create([{ adapter: 'claude' }, { adapter: 'codex' }], true).expect(200);
    const checkpoints = await request(t.url).get(`/v1/deliberations/${done.body.id}/checkpoints`).expect(200);
    const checkpointId = (checkpoints.body.items ?? checkpoints.body)[0].id as string;
    const before = recorded().length;

    const res = await request(t.url)
      .post(`/v1/checkpoints/${checkpointId}/resume`)
      .send({ participants: [{ adapter: 'gemini', model: '--yolo' }, { adapter: 'codex' }] })
      .expect(400);

    expect(res.body.message).toContain('adapter "gemini"');
    expect(recorded().length).toBe(before);
  });
});
