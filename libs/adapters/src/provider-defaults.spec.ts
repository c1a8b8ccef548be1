import { cliInvocation, DEFAULT_BASE_URLS, DEFAULT_CLI_COMMANDS, LONG_PROMPT_BYTES, type CliCall, type CliProvider } from './provider-defaults';
import { CLI_PROVIDERS, HTTP_PROVIDERS } from '@app/config';

describe('provider defaults', () => {
  it('should have a base URL for every HTTP provider and a command for every CLI provider', () => {
    for (const p of HTTP_PROVIDERS) expect(() => new URL(DEFAULT_BASE_URLS[p])).not.toThrow();
    for (const p of CLI_PROVIDERS) expect(DEFAULT_CLI_COMMANDS[p]).toMatch(/^[a-z-]+$/);
  });

  describe(cliInvocation.name, () => {
    const call: CliCall = { model: 'm1', prompt: 'Q?', extraArgs: ['--x'] };
    const withSystem: CliCall = { ...call, systemPrompt: 'S.', maxOutputTokens: 64 };

    it.each<[CliProvider, CliCall, string[]]>([
      ['claude', call, ['--x', '-p', 'Q?', '--model=m1']],
      ['claude', withSystem, ['--x', '-p', 'Q?', '--model=m1', '--append-system-prompt', 'S.']],
      ['codex', call, ['exec', '--x', '--model=m1', 'Q?']],
      ['codex', withSystem, ['exec', '--x', '--model=m1', 'S.\n\nQ?']],
      ['gemini', call, ['--x', '-p', 'Q?', '--model=m1']],
      ['droid', call, ['exec', '--x', '--model=m1', 'Q?']],
      ['llamacpp', call, ['--x', '-m', 'm1', '-p', 'Q?', '-no-cnv', '--no-display-prompt']],
      ['llamacpp', withSystem, ['--x', '-m', 'm1', '-p', 'S.\n\nQ?', '-no-cnv', '--no-display-prompt', '-n', '64']],
    ])('should build %s arguments', (provider, c, args) => {
      expect(cliInvocation(provider, c)).toEqual({ args });
    });

    const long = 'w'.repeat(LONG_PROMPT_BYTES + 1);

    it.each<[CliProvider, string[], string]>([
      ['claude', ['-p', '--model=m1'], long],
      ['codex', ['exec', '--model=m1', '-'], long],
      ['gemini', ['--model=m1'], long],
      ['droid', ['exec', '--model=m1'], long],
    ])('should pass a long prompt to %s through stdin', (provider, args, stdin) => {
      expect(cliInvocation(provider, { model: 'm1', prompt: long, extraArgs: [] })).toEqual({ args, stdin });
    });

    it('should ask for a prompt file for a long llama.cpp prompt, then use -f', () => {
      expect(cliInvocation('llamacpp', { model: 'm1', prompt: long, extraArgs: [] })).toEqual({ args: [], needsPromptFile: true });
      expect(cliInvocation('llamacpp', { model: 'm1', prompt: long, extraArgs: [], promptFile: '/tmp/p.txt' }).args).toEqual([
        '-m',
        'm1',
        '-f',
        '/tmp/p.txt',
        '-no-cnv',
        '--no-display-prompt',
      ]);
    });
  });
});
