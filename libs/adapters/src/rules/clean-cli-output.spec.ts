import { cleanCliOutput, stripAnsi } from './clean-cli-output';

describe(stripAnsi.name, () => {
  it.each([
    ['\u001b[1m\u001b[32mgreen bold\u001b[0m', 'green bold'],
    ['\u001b[2Kcleared', 'cleared'],
    ['\u001b[?25lhidden cursor\u001b[?25h', 'hidden cursor'],
    ['\u001b]0;title\u0007text', 'text'],
    ['\u001b]8;;https://x.test\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['plain [brackets] stay', 'plain [brackets] stay'],
  ])('should turn %j into %j', (input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });
});

describe(cleanCliOutput.name, () => {
  it('should resolve spinner redraws and trim', () => {
    expect(cleanCliOutput('claude', '\u001b[36m⠋ thinking\r⠙ thinking\r\u001b[2K\u001b[0mThe answer.\n\n')).toBe('The answer.');
  });

  it('should drop whole banner lines of the provider only', () => {
    const raw = 'Loaded cached credentials.\nThe answer mentions Loaded cached credentials.\n';

    expect(cleanCliOutput('gemini', raw)).toBe('The answer mentions Loaded cached credentials.');
    expect(cleanCliOutput('claude', raw)).toBe(raw.trim());
  });

  it('should drop llama.cpp trailers', () => {
    expect(cleanCliOutput('llamacpp', 'Webhooks.\n[end of text]\n\n> EOF by user\n')).toBe('Webhooks.');
  });
});
