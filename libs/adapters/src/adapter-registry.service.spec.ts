import { adapterSchema, configSchema, DomainError, type ConclaveConfig } from '@app/config';
import { TokenizerService } from '@app/tokens';
import { createCliScripts, type CliScripts } from '../../../test/fixtures/cli-scripts';
import { startProviderServer, type ProviderServer } from '../../../test/fixtures/provider-server';
import { AdapterRegistry } from './adapter-registry.service';
import { AdapterConfigError } from './adapter.factory';
import { resolve } from 'node:path';

const CLOSED_BREAKER = { state: 'closed', consecutiveFailures: 0, openedAt: null, reopensAt: null };

const SECRET = 'sk-registry-secret-value-0123456789';
const DEMO = resolve(__dirname, '../../../demo/cassette.json');

describe(AdapterRegistry.name, () => {
  const tokenizer = new TokenizerService();
  let scripts: CliScripts;
  let server: ProviderServer;

  beforeAll(async () => {
    scripts = createCliScripts();
    server = await startProviderServer({ wire: 'ollama', respond: () => ({ text: 'ok' }) });
    process.env.CONCLAVE_TEST_REGISTRY_KEY = SECRET;
  });
  afterAll(async () => {
    delete process.env.CONCLAVE_TEST_REGISTRY_KEY;
    scripts.cleanup();
    await server.close();
    tokenizer.onModuleDestroy();
  });

  const models = { fast: 'f', reasoning: 'r' };

  function config(adapters: unknown[]): ConclaveConfig {
    return configSchema.parse({ adapters });
  }

  function validAdapters(): unknown[] {
    return [
      { name: 'local', kind: 'http', provider: 'ollama', baseUrl: server.baseUrl, apiKeyEnv: 'CONCLAVE_TEST_REGISTRY_KEY', tier: 'T0', models },
      { name: 'claude', kind: 'cli', provider: 'claude', command: scripts.normal('hi'), tier: 'T3', models },
      { name: 'demo', kind: 'replay', cassette: DEMO, tier: 'T0', models, enabled: false },
      // Port 9 (discard) on loopback: nothing answers.
      { name: 'down', kind: 'http', provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', tier: 'T2', models },
    ];
  }

  describe('construction', () => {
    it.each([
      [
        'a CLI command missing from PATH',
        { name: 'codex-x', kind: 'cli', provider: 'codex', command: 'definitely-not-installed-cli', tier: 'T3', models },
        /adapter "codex-x".*not found on PATH/,
      ],
      [
        'a CLI absolute path that does not exist',
        { name: 'abs', kind: 'cli', provider: 'claude', command: '/nonexistent/claude', tier: 'T3', models },
        /adapter "abs".*not an executable file/,
      ],
      [
        'a relative CLI path',
        { name: 'rel', kind: 'cli', provider: 'claude', command: './bin/claude', tier: 'T3', models },
        /adapter "rel".*absolute path or a bare name/,
      ],
      ['a base URL that is not http', { name: 'ftp', kind: 'http', provider: 'openai', baseUrl: 'ftp://x.test', tier: 'T2', models }, /adapter "ftp"/],
      [
        'a base URL with credentials',
        { name: 'creds', kind: 'http', provider: 'openai', baseUrl: 'https://u:p@x.test/v1', tier: 'T2', models },
        /adapter "creds".*credentials/,
      ],
      ['an unknown provider', { name: 'weird', kind: 'http', provider: 'mystery', tier: 'T2', models }, /adapter "weird".*unknown HTTP provider "mystery"/],
      [
        'an unsafe name in allowedModels',
        { name: 'gem', kind: 'http', provider: 'gemini', tier: 'T2', models, allowedModels: ['gemini-pro', '--yolo'] },
        /adapter "gem".*allowedModels: "--yolo"/,
      ],
      [
        'a path in a CLI allowedModels',
        { name: 'llama', kind: 'cli', provider: 'llamacpp', command: '/bin/sh', tier: 'T1', models, allowedModels: ['/etc/passwd'] },
        /adapter "llama".*allowedModels/,
      ],
      [
        'api: responses on another provider',
        { name: 'router', kind: 'http', provider: 'openrouter', api: 'responses', tier: 'T2', models },
        /adapter "router".*api: responses is only for provider openai/,
      ],
    ])('should refuse %s, naming the adapter', (_what, adapter, message) => {
      // Defaults from the schema where it accepts the adapter; the raw object where the schema would catch
      // the problem first, because the registry must hold on its own (tests and tools build configs in code).
      const parsed = adapterSchema.safeParse(adapter);
      const cfg = { ...config([]), adapters: [parsed.success ? parsed.data : adapter] } as unknown as ConclaveConfig;

      const build = () => new AdapterRegistry(cfg, tokenizer);

      expect(build).toThrow(AdapterConfigError);
      expect(build).toThrow(message);
    });

    it('should accept a disabled CLI adapter whose command is missing, and report it unreachable', async () => {
      const sut = new AdapterRegistry(
        config([{ name: 'off', kind: 'cli', provider: 'droid', command: 'not-installed-droid', enabled: false, tier: 'T1', models }]),
        tokenizer,
      );

      const [view] = await sut.describe();

      expect(view).toMatchObject({ name: 'off', enabled: false, reachable: false });
    });
  });

  describe('checkModel', () => {
    it('should allow a CLI adapter only its own models by default, and any safe name on HTTP', () => {
      const sut = new AdapterRegistry(config(validAdapters()), tokenizer);

      expect(sut.checkModel('claude', 'r')).toEqual({ ok: true });
      expect(sut.checkModel('claude', 'opus')).toEqual({ ok: false, reason: 'not_allowed', allowed: ['f', 'r'] });
      expect(sut.checkModel('local', 'hf.co/org/model:Q4_K_M')).toEqual({ ok: true });
      expect(sut.checkModel('local', '--yolo')).toMatchObject({ ok: false, reason: 'unsafe' });
    });

    it('should throw UNKNOWN_ADAPTER for an adapter that is not configured', () => {
      const sut = new AdapterRegistry(config(validAdapters()), tokenizer);

      expect(() => sut.checkModel('nope', 'x')).toThrow(DomainError);
    });
  });

  describe('get', () => {
    it('should return the named adapter', () => {
      const sut = new AdapterRegistry(config(validAdapters()), tokenizer);

      expect(sut.get('claude')).toMatchObject({ name: 'claude', kind: 'cli', provider: 'claude', tier: 'T3' });
      expect(sut.has('claude')).toBe(true);
      expect(sut.has('nope')).toBe(false);
      expect(sut.list().map((a) => a.name)).toEqual(['local', 'claude', 'demo', 'down']);
    });

    it('should throw UNKNOWN_ADAPTER naming the adapter and the configured ones', () => {
      const sut = new AdapterRegistry(config(validAdapters()), tokenizer);

      let error: unknown;
      try {
        sut.get('gpt-9');
      } catch (e) {
        error = e;
      }

      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'invalid', code: 'UNKNOWN_ADAPTER', details: { adapter: 'gpt-9', known: ['local', 'claude', 'demo', 'down'] } });
      expect((error as Error).message).toContain('"gpt-9"');
    });
  });

  describe('describe', () => {
    it('should list every adapter with reachability and never a key, env name or command', async () => {
      const sut = new AdapterRegistry(config(validAdapters()), tokenizer);

      const views = await sut.describe();

      expect(views).toEqual([
        { name: 'local', kind: 'http', provider: 'ollama', tier: 'T0', models, enabled: true, reachable: true, breaker: CLOSED_BREAKER },
        { name: 'claude', kind: 'cli', provider: 'claude', tier: 'T3', models, enabled: true, reachable: true, breaker: CLOSED_BREAKER },
        { name: 'demo', kind: 'replay', provider: 'replay', tier: 'T0', models, enabled: false, reachable: true, breaker: CLOSED_BREAKER },
        { name: 'down', kind: 'http', provider: 'openai', tier: 'T2', models, enabled: true, reachable: false, breaker: CLOSED_BREAKER },
      ]);
      const json = JSON.stringify(views);
      expect(json).not.toContain(SECRET);
      expect(json).not.toContain('CONCLAVE_TEST_REGISTRY_KEY');
      expect(json).not.toContain(scripts.dir);
    });

    it('should reuse a probe result within a minute', async () => {
      const sut = new AdapterRegistry(config(validAdapters().slice(0, 1)), tokenizer);
      let probes = 0;
      const counting = sut.get('local');
      const original = counting.probe.bind(counting);
      Object.defineProperty(counting, 'probe', { value: () => (probes++, original()) });

      await sut.describe();
      await sut.describe();

      expect(probes).toBe(1);
    });
  });
});
