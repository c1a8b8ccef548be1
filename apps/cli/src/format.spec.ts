import { answerLine, bar, duration, resultBlock, roundLine, table, usd } from './format';
import { parseParticipant } from './main';

describe(usd.name, () => {
  it.each<[number | null, string]>([
    [null, 'unpriced'],
    [0, '$0'],
    [0.000125, '$0.000125'],
    [0.0123456, '$0.0123'],
    [0.5, '$0.5'],
    [12.345, '$12.35'],
  ])('%p → %s', (n, text) => expect(usd(n)).toBe(text));
});

describe(bar.name, () => {
  it.each<[number | null, string]>([
    [0, '░░░░░░░░░░'],
    [0.5, '█████░░░░░'],
    [1.7, '██████████'],
    [null, '··········'],
  ])('%p → %s', (fraction, text) => expect(bar(fraction, 10)).toBe(text));
});

describe(duration.name, () => {
  it.each<[number | null, string]>([
    [null, '—'],
    [0.25, '15 min'],
    [2.5, '2 h 30 min'],
    [72, '3 d'],
  ])('%p h → %s', (hours, text) => expect(duration(hours)).toBe(text));
});

describe(table.name, () => {
  it('should pad text left and numbers right, with thousands separators', () => {
    expect(table(['model', 'tokens'], [['gpt-5', 1234567], ['claude-haiku-4-5', 12]])).toEqual([
      'model                tokens',
      '────────────────  ─────────',
      'gpt-5             1,234,567',
      'claude-haiku-4-5         12',
    ]);
  });
});

describe(answerLine.name, () => {
  const base = { round: 1, participantIndex: 2, adapter: 'local', model: 'qwen2.5:14b', error: null, latencyMs: 1530, tokens: 1835, vote: { option: 'Keep polling', confidence: 0.6 } };

  it('should say who, the vote, its confidence, tokens and time', () => {
    expect(answerLine(base)).toBe('  #2 local (qwen2.5:14b)  "Keep polling" (60%)  1,835 tokens · 1.5 s');
  });

  it('should say when there is no vote, the answer was cut, or the call failed', () => {
    expect(answerLine({ ...base, vote: null, voteError: 'no_vote_line', truncated: true })).toBe('  #2 local (qwen2.5:14b)  no vote (no_vote_line)  1,835 tokens · 1.5 s  cut at the output limit');
    expect(answerLine({ ...base, error: { kind: 'timeout', message: 'no answer within the round timeout' } })).toBe('  #2 local (qwen2.5:14b)  failed: timeout no answer within the round timeout');
  });
});

describe(roundLine.name, () => {
  it('should show the convergence and the spend so far', () => {
    expect(roundLine(2, { score: 0.8234, status: 'refining' }, { totalTokens: 9021, costUsd: 0.034 })).toBe('  round 2 done: convergence 0.82 (refining) · spent 9,021 tokens, $0.034');
  });
});

describe(resultBlock.name, () => {
  it('should show the outcome, the tally with merged wordings, the synthesis and the cost', () => {
    const lines = resultBlock({
      outcome: 'majority',
      winningOption: 'Approve with revisions',
      stopReason: 'converged',
      roundsUsed: 2,
      durationMs: 65_000,
      tally: [
        { option: 'Approve with revisions', votes: 2, averageConfidence: 0.75, participants: [0, 1], variants: [{ option: 'Approve with revisions', participants: [0] }, { option: 'Approve with integration revisions', participants: [1] }] },
        { option: 'Reject', votes: 1, averageConfidence: 0.6, participants: [2] },
      ],
      tokens: { totalTokens: 15048, costUsd: 0.045, costLowerUsd: 0.04, costUpperUsd: 0.05, calls: 9 },
      synthesis: { recommendation: 'Approve once the seam is tested', agreements: ['the design holds'], disagreements: [], dissent: ['#2 wants a rewrite'], chairAdapter: 'claude' },
      outcomeBy: 'engine',
    });
    expect(lines).toEqual([
      '',
      'Outcome: majority — "Approve with revisions" (stopped: converged, 2 round(s), 65.0 s)',
      '   2 × "Approve with revisions" avg confidence 75%, #0 #1',
      '       also worded "Approve with integration revisions" (#1)',
      '   1 × "Reject" avg confidence 60%, #2',
      '',
      'Synthesis (chair: claude): Approve once the seam is tested',
      '  agreed: the design holds',
      '  dissent: #2 wants a rewrite',
      '',
      'Cost: 15,048 tokens in 9 call(s), $0.045 ($0.04–$0.05)',
    ]);
  });
});

describe(parseParticipant.name, () => {
  it.each<[string, Record<string, string>]>([
    ['claude', { adapter: 'claude' }],
    ['codex:against', { adapter: 'codex', stance: 'against' }],
    ['local:security', { adapter: 'local', role: 'security' }],
    ['claude@claude-opus-4-5:for:architect', { adapter: 'claude', model: 'claude-opus-4-5', stance: 'for', role: 'architect' }],
  ])('%s', (spec, participant) => expect(parseParticipant(spec)).toEqual([participant]));

  it('should refuse more than a stance and a role', () => {
    expect(() => parseParticipant('a:for:x:y')).toThrow('at most a stance');
  });
});
