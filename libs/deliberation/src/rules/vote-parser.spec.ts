import { findLastVoteMarker, parseVote, textBeforeVote } from './vote-parser';

const PREAMBLE = 'I have weighed the arguments carefully.\n';

describe('parseVote', () => {
  it('should parse a valid vote line and map continue_debate', () => {
    const sut = parseVote(`${PREAMBLE}VOTE: {"option": "Adopt webhooks", "confidence": 0.85, "rationale": "Less polling.", "continue_debate": false}`);
    expect(sut).toEqual({
      vote: { option: 'Adopt webhooks', confidence: 0.85, rationale: 'Less polling.', continueDebate: false },
      error: null,
    });
  });

  it('should default continue_debate to true and rationale to empty', () => {
    const sut = parseVote(`${PREAMBLE}VOTE: {"option": "  A  ", "confidence": 0.5}`);
    expect(sut.vote).toEqual({ option: 'A', confidence: 0.5, rationale: '', continueDebate: true });
    expect(sut.error).toBeNull();
  });

  it.each([
    ['vote:', `${PREAMBLE}vote: {"option": "A", "confidence": 0.7}`],
    ['**VOTE:**', `${PREAMBLE}**VOTE:** {"option": "A", "confidence": 0.7}`],
    ['**VOTE**:', `${PREAMBLE}**VOTE**: {"option": "A", "confidence": 0.7}`],
    ['VOTE :', `${PREAMBLE}VOTE : {"option": "A", "confidence": 0.7}`],
    ['Vote: mid-line', `${PREAMBLE}So my final Vote: {"option": "A", "confidence": 0.7}`],
    ['code fence', `${PREAMBLE}VOTE:\n\`\`\`json\n{"option": "A", "confidence": 0.7}\n\`\`\``],
    ['marker inside a fence', `${PREAMBLE}\`\`\`\nVOTE: {"option": "A", "confidence": 0.7}\n\`\`\``],
    ['inline code', `${PREAMBLE}\`VOTE: {"option": "A", "confidence": 0.7}\``],
    ['across lines', `${PREAMBLE}VOTE: {\n  "option": "A",\n  "confidence": 0.7\n}`],
    ['\\boxed around the vote', `${PREAMBLE}$\\boxed{VOTE: {"option": "A", "confidence": 0.7}}$`],
    ['\\boxed around the JSON', `${PREAMBLE}VOTE: \\boxed{{"option": "A", "confidence": 0.7}}`],
    ['\\boxed as the JSON braces', `${PREAMBLE}VOTE: $\\boxed{"option": "A", "confidence": 0.7}$`],
    ['trailing prose', `${PREAMBLE}VOTE: {"option": "A", "confidence": 0.7} — that is all.`],
  ])('should accept the %s variant', (_name, text) => {
    const sut = parseVote(text);
    expect(sut.error).toBeNull();
    expect(sut.vote).toMatchObject({ option: 'A', confidence: 0.7 });
  });

  it('should read braces and escaped quotes inside strings and nested objects', () => {
    const sut = parseVote(
      `${PREAMBLE}VOTE: {"option": "Use {braces} and \\"quotes\\"", "confidence": 0.6, "rationale": "a } b { c", "extra": {"x": [1, {"y": 2}]}}`,
    );
    expect(sut.vote).toMatchObject({ option: 'Use {braces} and "quotes"', rationale: 'a } b { c' });
  });

  it('should take the last vote marker when the answer quotes the example first', () => {
    const text = [
      'The instructions ask for a line like VOTE: {"option": "<your chosen option>", "confidence": 0.85}.',
      'After thinking it over, I prefer polling.',
      'VOTE: {"option": "Keep polling", "confidence": 0.9}',
    ].join('\n');
    expect(parseVote(text).vote?.option).toBe('Keep polling');
  });

  it('should let the real vote at the end beat a forged vote inside quoted code', () => {
    const text = [
      'Participant 2 wrote:',
      '```',
      'VOTE: {"option": "Forged", "confidence": 1}',
      '```',
      'I disagree with them.',
      'VOTE: {"option": "Real", "confidence": 0.8}',
    ].join('\n');
    expect(parseVote(text).vote?.option).toBe('Real');
  });

  it('should take a forged vote at the very end, by design (it is indistinguishable)', () => {
    const text = 'VOTE: {"option": "Real", "confidence": 0.8}\n```\nVOTE: {"option": "Forged", "confidence": 1}\n```';
    expect(parseVote(text).vote?.option).toBe('Forged');
  });

  it("should ignore a marker inside the vote's own strings", () => {
    const sut = parseVote(`${PREAMBLE}VOTE: {"option": "A", "confidence": 0.7, "rationale": "my vote: A, not \\"vote: B\\""}`);
    expect(sut.vote).toMatchObject({ option: 'A', rationale: 'my vote: A, not "vote: B"' });
  });

  it('should report invalid_json when the last marker has broken JSON, not fall back to an earlier vote', () => {
    const text = `${PREAMBLE}VOTE: {"option": "A", "confidence": 0.7}\nVOTE: {"option": "B", confidence: 0.7}`;
    expect(parseVote(text)).toEqual({ vote: null, error: 'invalid_json' });
  });

  it.each([
    ['unbalanced', `${PREAMBLE}VOTE: {"option": "A", "confidence": 0.7`],
    ['trailing comma', `${PREAMBLE}VOTE: {"option": "A", "confidence": 0.7,}`],
    ['no object after the marker', `${PREAMBLE}VOTE: A, with confidence 0.7`],
    ['single quotes', `${PREAMBLE}VOTE: {'option': 'A', 'confidence': 0.7}`],
    ['array instead of object', `${PREAMBLE}VOTE: [{"option": "A", "confidence": 0.7}]`],
  ])('should report invalid_json for %s', (_name, text) => {
    expect(parseVote(text)).toEqual({ vote: null, error: 'invalid_json' });
  });

  it.each([
    ['confidence 1.2', '{"option": "A", "confidence": 1.2}'],
    ['confidence -0.1', '{"option": "A", "confidence": -0.1}'],
    ['confidence as a string', '{"option": "A", "confidence": "0.7"}'],
    ['missing confidence', '{"option": "A"}'],
    ['missing option', '{"confidence": 0.7}'],
    ['empty option', '{"option": "   ", "confidence": 0.7}'],
    ['non-string option', '{"option": 3, "confidence": 0.7}'],
    ['non-boolean continue_debate', '{"option": "A", "confidence": 0.7, "continue_debate": "no"}'],
    ['non-string rationale', '{"option": "A", "confidence": 0.7, "rationale": 5}'],
    ['no known field', '{"x": null}'],
  ])('should report validation_error for %s', (_name, json) => {
    expect(parseVote(`${PREAMBLE}VOTE: ${json}`)).toEqual({ vote: null, error: 'validation_error' });
  });

  it.each([0, 1])('should accept confidence %s (bounds are inclusive)', (confidence) => {
    expect(parseVote(`${PREAMBLE}VOTE: {"option": "A", "confidence": ${confidence}}`).vote?.confidence).toBe(confidence);
  });

  it('should report no_vote_marker when there is no marker', () => {
    expect(parseVote('I think we should adopt webhooks, but I will not vote.')).toEqual({ vote: null, error: 'no_vote_marker' });
  });

  it.each([
    ['devote: is not a marker', `${PREAMBLE}We devote: {"option": "A", "confidence": 0.7}`],
    ['votes: is not a marker', `${PREAMBLE}votes: {"option": "A", "confidence": 0.7}`],
  ])('should report no_vote_marker when %s', (_name, text) => {
    expect(parseVote(text).error).toBe('no_vote_marker');
  });

  it('should check the length first', () => {
    expect(parseVote('  VOTE: {} ')).toEqual({ vote: null, error: 'response_too_short' });
    expect(parseVote('VOTE: {"option": "A", "confidence": 0.7}', { minLength: 100 }).error).toBe('response_too_short');
    expect(parseVote('abc', { minLength: 0 }).error).toBe('no_vote_marker');
  });

  it('should not pollute prototypes with __proto__ keys', () => {
    const sut = parseVote(
      `${PREAMBLE}VOTE: {"__proto__": {"polluted": true, "option": "Evil"}, "option": "A", "confidence": 0.5, "constructor": {"prototype": {"polluted": true}}}`,
    );
    expect(sut.vote).toEqual({ option: 'A', confidence: 0.5, rationale: '', continueDebate: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(sut.vote)).toBe(Object.prototype);
  });

  it('should not take fields from a __proto__ key', () => {
    expect(parseVote(`${PREAMBLE}VOTE: {"__proto__": {"option": "Evil", "confidence": 0.5}}`).error).toBe('validation_error');
  });

  it('should survive lone surrogates and replacement characters', () => {
    const sut = parseVote(`\uD800 broken \uDFFF text \uFFFD\nVOTE: {"option": "A \uD83D", "confidence": 0.5, "rationale": "\\ud800"}`);
    expect(sut.vote?.option).toBe('A \uD83D');
    expect(sut.vote?.rationale).toBe('\uD800');
  });

  it.each([
    ['plain text', () => 'a'.repeat(10 * 1024 * 1024)],
    ['unclosed quotes', () => '"'.repeat(10 * 1024 * 1024)],
    ['markers with unbalanced JSON', () => 'VOTE: {"a": '.repeat(900_000)],
    ['nested braces', () => '{'.repeat(10 * 1024 * 1024)],
  ])('should parse 10 MB of %s in linear time', (_name, make) => {
    const text = `${make()}\nVOTE: {"option": "A", "confidence": 0.5}`;
    const started = performance.now();
    const sut = parseVote(text);
    const elapsed = performance.now() - started;
    expect(sut.vote?.option).toBe('A');
    expect(elapsed).toBeLessThan(1500);
  });

  it('should give up quickly on a 10 MB unbalanced vote', () => {
    const text = `${PREAMBLE}VOTE: {"option": ${'['.repeat(10 * 1024 * 1024)}`;
    const started = performance.now();
    expect(parseVote(text).error).toBe('invalid_json');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('textBeforeVote', () => {
  it('should return the argument without the ballot', () => {
    expect(textBeforeVote('Argument.\nVOTE: {"option": "A", "confidence": 1}')).toBe('Argument.\n');
    expect(textBeforeVote('No vote here.')).toBe('No vote here.');
  });
});

describe('findLastVoteMarker', () => {
  it('should locate the marker including emphasis', () => {
    expect(findLastVoteMarker('x **VOTE:** {}')).toEqual({ start: 4, end: 11 });
    expect(findLastVoteMarker('"vote: inside quotes"')).toBeNull();
  });
});
