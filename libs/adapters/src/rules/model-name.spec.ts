import { checkModelName, isSafeModelName, modelPolicyFor } from './model-name';

describe('model names', () => {
  describe(isSafeModelName.name, () => {
    it.each([
      // Real names of each provider stay valid.
      ['claude-sonnet-4-5-20250929', false],
      ['sonnet', false],
      ['sonnet[1m]', false],
      ['gpt-5.1-codex-max', false],
      ['gemini-2.5-pro', false],
      ['o4-mini', false],
      ['llama3.1:8b', false],
      ['ft:gpt-4o-mini:acme:custom:abc123', false],
      ['claude-3-5-sonnet@20240620', false],
      ['openai/gpt-4o', true],
      ['meta-llama/llama-3.1-8b-instruct:free', true],
      ['hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', true],
      ['qwen/qwen3-4b', true],
      ['x'.repeat(128), false],
    ])('should accept %p (slash allowed: %p)', (name, slash) => {
      expect(isSafeModelName(name, { slash })).toBe(true);
    });

    it.each([
      ['--yolo', true],
      ['-m', true],
      ['/etc/passwd', true],
      ['../../etc/passwd', true],
      ['a/../b', true],
      ['a//b', true],
      ['a/', true],
      ['-c model_provider=evil', true],
      ['a b', true],
      ['a\tb', true],
      ['a\nb', true],
      ['x\u0000y', true],
      ['x\u001by', true],
      ['a\\b', true],
      ['$(id)', true],
      ['a;b', true],
      ['a=b', true],
      ['~/model', true],
      ['', true],
      ['x'.repeat(129), true],
      ['ｇｐｔ', true],
      // "/" is refused where the provider's names never have it (CLIs, anthropic, gemini).
      ['openai/gpt-4o', false],
      ['models/gemini-pro', false],
    ])('should refuse %p (slash allowed: %p)', (name, slash) => {
      expect(isSafeModelName(name, { slash })).toBe(false);
    });
  });

  describe(checkModelName.name, () => {
    const cli = modelPolicyFor({ kind: 'cli', models: { fast: 'haiku', reasoning: '/models/big.gguf' } }, true);
    const http = modelPolicyFor({ kind: 'http', models: { fast: 'a', reasoning: 'b' } }, true);
    const limited = modelPolicyFor({ kind: 'http', models: { fast: 'a', reasoning: 'b' }, allowedModels: ['c'] }, false);
    const cliAny = modelPolicyFor({ kind: 'cli', models: { fast: 'a', reasoning: 'b' }, allowedModels: ['*'] }, true);

    it.each([
      [cli, 'haiku', true],
      // The adapter's own configured model is config, not a request's choice: a llama.cpp file path passes.
      [cli, '/models/big.gguf', true],
      [cli, 'opus', false],
      [cliAny, 'opus', true],
      [cliAny, 'x/y', false],
      [http, 'openai/gpt-4o', true],
      [http, '--yolo', false],
      [limited, 'c', true],
      [limited, 'a', true],
      [limited, 'd', false],
    ])('should decide per policy (%#: %p)', (policy, model, ok) => {
      expect(checkModelName(model, policy).ok).toBe(ok);
    });

    it('should say why and list what is allowed', () => {
      expect(checkModelName('opus', cli)).toEqual({ ok: false, reason: 'not_allowed', allowed: ['haiku', '/models/big.gguf'] });
      expect(checkModelName('--yolo', http)).toEqual({ ok: false, reason: 'unsafe', allowed: ['a', 'b', '*'] });
    });
  });
});
