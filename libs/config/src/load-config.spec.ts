import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'conclave-config-')), 'conclave.yaml');
  writeFileSync(path, content);
  return path;
}

describe(loadConfig.name, () => {
  it('should start with built-in defaults when the default file is absent', () => {
    const config = loadConfig({ CONCLAVE_CONFIG: undefined });
    expect(config.server).toMatchObject({ port: 3000, host: '127.0.0.1', bodyLimitBytes: 1048576 });
    expect(config.database.path).toBe('./data/conclave.sqlite');
    expect(config.deliberation.convergence.threshold).toBe(0.85);
  });

  it('should let the environment win over the file', () => {
    const path = file('server:\n  port: 4000\n  host: 0.0.0.0\ndatabase:\n  path: ./x.sqlite\n');
    const config = loadConfig({
      CONCLAVE_CONFIG: path,
      PORT: '5000',
      HOST: '127.0.0.2',
      CONCLAVE_DB: ':memory:',
      CONCLAVE_API_KEY: 'k'.repeat(20),
      LOG_LEVEL: 'debug',
    });
    expect(config.server).toMatchObject({ port: 5000, host: '127.0.0.2', apiKey: 'k'.repeat(20), logLevel: 'debug' });
    expect(config.database.path).toBe(':memory:');
  });

  it.each([
    ['an unknown top-level key', 'servr:\n  port: 1\n', /servr: unknown key/],
    ['an unknown nested key', 'budgets:\n  daily:\n    tokns: 5\n', /budgets\.daily\.tokns: unknown key/],
    ['a value out of range', 'server:\n  port: 70000\n', /server\.port: got 70000; .*65535/],
    ['a reserve over half the budget', 'budgets:\n  reservePct: 75\n', /budgets\.reservePct: got 75; .*50/],
    ['a breaker threshold of 0', 'circuitBreaker:\n  failureThreshold: 0\n', /circuitBreaker\.failureThreshold: got 0/],
    ['a breaker cool-down too short', 'circuitBreaker:\n  coolDownMs: 10\n', /circuitBreaker\.coolDownMs: got 10; .*50/],
    ['a schedules interval out of range', 'schedules:\n  minIntervalSeconds: 0\n', /schedules\.minIntervalSeconds: got 0; .*1/],
    ['an empty schedules folder', 'schedules:\n  contextDir: ""\n', /schedules\.contextDir: got ""/],
    ['a wrong type', 'deliberation:\n  maxRunning: "many"\n', /deliberation\.maxRunning: got "many"; .*number/],
    [
      'an unknown provider',
      'adapters:\n  - { name: a, kind: http, provider: nope, tier: T0, models: { fast: m, reasoning: m } }\n',
      /adapters\.0\.provider: got "nope"/,
    ],
    ['invalid YAML', 'server: [\n', /Invalid YAML/],
  ])('should reject %s with the key, the value and what is allowed', (_what, yaml, message) => {
    const path = file(yaml);
    expect(() => loadConfig({ CONCLAVE_CONFIG: path })).toThrow(ConfigError);
    expect(() => loadConfig({ CONCLAVE_CONFIG: path })).toThrow(message);
  });

  it.each([
    ['from the environment', '', { CONCLAVE_API_KEY: 'short-Secret-42' }, /server\.apiKey: got "\(hidden, 15 characters\)"; at least 16 characters/],
    ['from the file', 'server:\n  apiKey: short-Secret-42\n', {}, /server\.apiKey: got "\(hidden, 15 characters\)"; at least 16 characters/],
    ['of the wrong type', 'server:\n  apiKey: [short-Secret-42]\n', {}, /server\.apiKey: got "\(hidden, object\)"/],
    ['in a YAML error next to it', 'server:\n  apiKey: short-Secret-42\n  port: [\n', {}, /Invalid YAML in .*line/],
  ])('should never echo the service key %s', (_what, yaml: string, env: Record<string, string>, expected: RegExp) => {
    const path = file(yaml);
    let message = '';
    try {
      loadConfig({ CONCLAVE_CONFIG: path, ...env });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toMatch(expected);
    expect(message).not.toContain('Secret');
  });

  describe('a cluster (CONCLAVE_ROLE, CONCLAVE_REDIS)', () => {
    const postgres = 'postgres://postgres@127.0.0.1:5432/conclave';

    it('should run one process by default, and take the role and Redis from the environment', () => {
      expect(loadConfig({ CONCLAVE_CONFIG: file('') }).cluster).toEqual({ role: 'all', prefix: 'conclave', lockMs: 30_000 });
      const config = loadConfig({
        CONCLAVE_CONFIG: file('cluster:\n  lockMs: 2000\n'),
        CONCLAVE_DB: postgres,
        CONCLAVE_ROLE: 'worker',
        CONCLAVE_REDIS: 'redis://127.0.0.1:6379',
      });
      expect(config.cluster).toEqual({ role: 'worker', redis: 'redis://127.0.0.1:6379', prefix: 'conclave', lockMs: 2000 });
    });

    it.each([
      ['an api process without Redis', { CONCLAVE_DB: postgres, CONCLAVE_ROLE: 'api' }, /cluster\.role \(CONCLAVE_ROLE\): got "api"; .*CONCLAVE_REDIS=redis/],
      [
        'a worker on SQLite',
        { CONCLAVE_ROLE: 'worker', CONCLAVE_REDIS: 'redis://127.0.0.1:6379' },
        /cluster\.redis \(CONCLAVE_REDIS\): .*CONCLAVE_DB=postgres/,
      ],
      ['Redis beside SQLite', { CONCLAVE_REDIS: 'redis://127.0.0.1:6379' }, /SQLite is one process's database/],
      ['an unknown role', { CONCLAVE_ROLE: 'scheduler' }, /cluster\.role: got "scheduler"/],
      [
        'a URL that is not Redis',
        { CONCLAVE_DB: postgres, CONCLAVE_REDIS: 'http://:hunter2-pw@cache:6379' },
        /cluster\.redis: got "http:\/\/:\*\*\*@cache:6379"; a redis:\/\/ or rediss:\/\/ URL/,
      ],
    ])('should stop at start-up for %s, naming the variable', (_case, env: Record<string, string>, message) => {
      let error: Error | null = null;
      try {
        loadConfig({ CONCLAVE_CONFIG: file(''), ...env });
      } catch (e) {
        error = e as Error;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.message).toMatch(message);
      expect(error!.message).not.toContain('hunter2');
    });
  });

  describe('a PostgreSQL database (CONCLAVE_DB=postgres://...)', () => {
    it.each(['postgres://postgres@127.0.0.1:5432/conclave', 'postgresql://u:secret@db.internal/conclave?sslmode=require'])('should accept %s', (url) => {
      expect(loadConfig({ CONCLAVE_DB: url }).database).toEqual({ path: url, poolSize: 10 });
    });

    it.each([
      ['no database', 'postgres://app:s3cr3t-pw@127.0.0.1:5432/', /database\.path: got "postgres:\/\/app:\*\*\*@127\.0\.0\.1:5432\/"; .*names no database/],
      ['no host', 'postgres:///conclave', /database\.path: .*names no host/],
      ['a broken URL', 'postgres://app:s3cr3t-pw@[bad/conclave', /database\.path: .*not a valid PostgreSQL URL/],
    ])('should stop at start-up on a URL with %s, naming the key and never the password', (_case, url, message) => {
      const error = (() => {
        try {
          loadConfig({ CONCLAVE_DB: url });
        } catch (e) {
          return e as Error;
        }
        throw new Error('accepted');
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('s3cr3t-pw');
    });

    it('should bound the pool size', () => {
      expect(() => loadConfig({ CONCLAVE_CONFIG: file('database:\n  poolSize: 0\n') })).toThrow(/database\.poolSize: got 0/);
      expect(loadConfig({ CONCLAVE_CONFIG: file('database:\n  poolSize: 25\n') }).database.poolSize).toBe(25);
    });
  });

  it('should reject a bad PORT from the environment', () => {
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(''), PORT: 'eighty' })).toThrow(/server\.port: got "eighty"/);
  });

  it('should reject an explicitly named file that does not exist', () => {
    expect(() => loadConfig({ CONCLAVE_CONFIG: '/nonexistent/conclave.yaml' })).toThrow(/does not exist/);
  });

  it('should accept the embeddings backend only with an HTTP adapter that serves embeddings', () => {
    const adapters = `adapters:
  - { name: emb, kind: http, provider: ollama, tier: T0, models: { fast: m, reasoning: m } }
  - { name: claude, kind: http, provider: anthropic, tier: T3, models: { fast: m, reasoning: m } }
`;
    const backend = (adapter?: string) =>
      `deliberation:\n  convergence:\n    backend: embeddings\n${adapter ? `    embeddings: { adapter: ${adapter}, model: nomic-embed-text }\n` : ''}`;
    expect(loadConfig({ CONCLAVE_CONFIG: file(adapters + backend('emb')) }).deliberation.convergence.embeddings).toEqual({
      adapter: 'emb',
      model: 'nomic-embed-text',
    });
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(adapters + backend()) })).toThrow(/convergence\.embeddings: backend "embeddings" needs/);
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(adapters + backend('claude')) })).toThrow(/embeddings\.adapter: got "claude"/);
    // Decision memory's embeddings: the same rule, named by its own key.
    const memory = (adapter: string) => `memory:\n  embeddings: { adapter: ${adapter}, model: nomic-embed-text }\n`;
    expect(loadConfig({ CONCLAVE_CONFIG: file(adapters + memory('emb')) }).memory.embeddings).toEqual({ adapter: 'emb', model: 'nomic-embed-text' });
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(adapters + memory('claude')) })).toThrow(/memory\.embeddings\.adapter: got "claude"/);
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(adapters + memory('nowhere')) })).toThrow(/memory\.embeddings\.adapter: got "nowhere"/);
  });

  it('should stop at start-up on an out-of-range memory key, naming it', () => {
    expect(() => loadConfig({ CONCLAVE_CONFIG: file('memory:\n  reuseSimilarity: 1.5\n') })).toThrow(/memory\.reuseSimilarity/);
    expect(() => loadConfig({ CONCLAVE_CONFIG: file('memory:\n  mode: always\n') })).toThrow(/memory\.mode/);
    expect(() => loadConfig({ CONCLAVE_CONFIG: file('memory:\n  contextDecisions: 0\n') })).toThrow(/memory\.contextDecisions/);
    expect(loadConfig({ CONCLAVE_CONFIG: file('') }).memory).toEqual({
      mode: 'context',
      contextDecisions: 3,
      minSimilarity: 0.75,
      reuseSimilarity: 0.92,
      reuseMaxAgeDays: 30,
    });
  });

  it('should accept a configured chair only when it names a configured adapter, and stop at start-up otherwise', () => {
    const adapters = 'adapters:\n  - { name: claude, kind: http, provider: anthropic, tier: T3, models: { fast: m, reasoning: m } }\n';
    expect(loadConfig({ CONCLAVE_CONFIG: file(`${adapters}deliberation:\n  chair: { adapter: claude, tier: fast }\n`) }).deliberation.chair).toEqual({
      adapter: 'claude',
      tier: 'fast',
    });
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(`${adapters}deliberation:\n  chair: { adapter: nobody }\n`) })).toThrow(
      /deliberation\.chair\.adapter: got "nobody"; must name a configured adapter \(claude\)/,
    );
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(`${adapters}deliberation:\n  chair: { adapter: claude, tier: huge }\n`) })).toThrow(
      /deliberation\.chair\.tier/,
    );
  });

  it.each([
    ['deliberation:\n  defaultBudget: { maxTokens: 0 }\n', /deliberation\.defaultBudget\.maxTokens: got 0/],
    ['deliberation:\n  defaultBudget: { tokens: 5 }\n', /deliberation\.defaultBudget\.tokens: unknown key/],
    ['deliberation:\n  maxRoundTokens: -1\n', /deliberation\.maxRoundTokens: got -1/],
  ])('should stop at start-up naming a bad default cap: %s', (yaml, message) => {
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(yaml) })).toThrow(message);
  });

  it('should reject two adapters with one name', () => {
    const adapter = '{ name: a, kind: http, provider: ollama, tier: T0, models: { fast: m, reasoning: m } }';
    expect(() => loadConfig({ CONCLAVE_CONFIG: file(`adapters:\n  - ${adapter}\n  - ${adapter}\n`) })).toThrow(/"a" is used twice/);
  });
});
