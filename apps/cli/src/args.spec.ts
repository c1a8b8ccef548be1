import { InvalidArgumentError } from 'commander';
import { askBody, collectParticipant, parseParticipant, positiveInt, positiveNumber, resumeBody, usageQuery, uuidArg } from './args';
import { UsageError } from './exit-codes';

describe('args', () => {
  describe(parseParticipant.name, () => {
    it.each([
      ['claude', { adapter: 'claude' }],
      ['codex:against', { adapter: 'codex', stance: 'against' }],
      ['local:security', { adapter: 'local', role: 'security' }],
      ['local:against:security', { adapter: 'local', stance: 'against', role: 'security' }],
      ['claude:for:architect@claude-opus-4-5', { adapter: 'claude', stance: 'for', role: 'architect', model: 'claude-opus-4-5' }],
      ['ollama@qwen2.5:14b', { adapter: 'ollama', model: 'qwen2.5:14b' }],
      // After a role, a stance word is no stance: the API takes the first as stance, so must the CLI.
      ['x:reviewer', { adapter: 'x', role: 'reviewer' }],
    ])('should read %p', (spec, participant) => {
      expect(parseParticipant(spec)).toEqual(participant);
    });

    it.each([
      ['', /a participant is adapter/],
      [':for', /a participant is adapter/],
      ['claude::for', /an empty part/],
      ['claude:for:a:b', /at most a stance/],
      ['claude:a:for', /at most a stance/],
      ['claude@', /no model after "@"/],
      ['bad name', /a participant is adapter/],
    ])('should refuse %p', (spec, message) => {
      expect(() => parseParticipant(spec)).toThrow(InvalidArgumentError);
      expect(() => parseParticipant(spec)).toThrow(message);
    });

    it('should collect repeated -p in order', () => {
      expect(collectParticipant('b:against', collectParticipant('a'))).toEqual([{ adapter: 'a' }, { adapter: 'b', stance: 'against' }]);
    });
  });

  it('should take positive whole numbers and positive numbers only', () => {
    expect(positiveInt('--rounds')('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'many', '', '1e3']) expect(() => positiveInt('--rounds')(bad)).toThrow('--rounds must be a positive whole number');
    expect(positiveNumber('--max-usd')('0.25')).toBe(0.25);
    for (const bad of ['0', '-1', 'x', '', 'Infinity']) expect(() => positiveNumber('--max-usd')(bad)).toThrow('--max-usd must be a positive number');
  });

  describe(askBody.name, () => {
    const two = [{ adapter: 'a' }, { adapter: 'b', stance: 'against' as const }];

    it('should send only what was given, so the service defaults hold', () => {
      expect(askBody('Q?', { participant: two })).toEqual({ question: 'Q?', participants: two });
    });

    it('should map every flag to its field of the request body', () => {
      expect(askBody('Q?', { participant: two, rounds: 4, maxTokens: 9000, maxUsd: 0.5, history: 'full', chair: 'a', critical: true }, 'ctx')).toEqual({
        question: 'Q?',
        participants: two,
        maxRounds: 4,
        context: 'ctx',
        budget: { maxTokens: 9000, maxCostUsd: 0.5 },
        history: 'full',
        chair: { adapter: 'a' },
        critical: true,
      });
      expect(askBody('Q?', { participant: two, quick: true })).toMatchObject({ mode: 'quick' });
      expect(askBody('Q?', { participant: two, maxUsd: 1 }).budget).toEqual({ maxCostUsd: 1 });
      expect(askBody('Q?', { participant: two, memory: 'reuse' })).toMatchObject({ memory: 'reuse' });
    });

    it('should refuse fewer than two participants, an empty question and --quick with more rounds', () => {
      expect(() => askBody('Q?', { participant: [{ adapter: 'a' }] })).toThrow(
        new UsageError('at least two participants are needed, e.g. -p claude -p codex:against'),
      );
      expect(() => askBody('Q?', {})).toThrow(UsageError);
      expect(() => askBody('  ', { participant: two })).toThrow('the question is empty');
      expect(() => askBody('Q?', { participant: two, quick: true, rounds: 3 })).toThrow('--quick is one round');
      expect(askBody('Q?', { participant: two, quick: true, rounds: 1 })).toMatchObject({ mode: 'quick', maxRounds: 1 });
    });
  });

  it('should build the resume body from the new limits only', () => {
    expect(resumeBody({})).toEqual({});
    expect(resumeBody({ maxTokens: 400000, rounds: 5 })).toEqual({ budget: { maxTokens: 400000 }, maxRounds: 5 });
  });

  it('should build the usage query with adapter as the default grouping', () => {
    expect(usageQuery({})).toBe('groupBy=adapter');
    expect(usageQuery({ from: '2026-12-01', to: '2026-12-02T00:00:00Z', by: 'model' })).toBe('from=2026-12-01&to=2026-12-02T00%3A00%3A00Z&groupBy=model');
  });

  it('should take only ids shaped like UUIDs', () => {
    const id = '3f1c2a9e-5b7d-4c8e-9f01-23456789abcd';
    expect(uuidArg('the id')(id)).toBe(id);
    expect(() => uuidArg('the id')('../../v1/budgets')).toThrow('the id must be an id like');
  });
});
