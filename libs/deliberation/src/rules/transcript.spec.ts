import { escapeMarkdownInline, fenceMarkdown, renderTranscript, type TranscriptView } from './transcript';

function view(overrides: Partial<TranscriptView> = {}): TranscriptView {
  return {
    id: 'd-1',
    status: 'completed',
    question: 'Should we adopt webhooks?',
    mode: 'conference',
    maxRounds: 3,
    createdAt: '2025-01-01T10:00:00.000Z',
    participants: [
      { index: 0, adapter: 'claude', model: 'claude-sonnet-4-6', tier: 'reasoning', stance: 'neutral', role: null },
      { index: 1, adapter: 'local', model: 'llama3', tier: 'fast', stance: 'against', role: 'security' },
    ],
    rounds: [
      {
        number: 1,
        responses: [
          {
            participantIndex: 0,
            adapter: 'claude',
            model: 'claude-sonnet-4-6',
            text: 'Adopt them.\n```\ncode\n```\nVOTE: {"option": "Adopt webhooks", "confidence": 0.85}',
            vote: { option: 'Adopt webhooks', confidence: 0.85, rationale: 'Less polling.', continueDebate: true },
            voteError: null,
            error: null,
            latencyMs: 1200,
          },
          { participantIndex: 1, adapter: 'local', model: 'llama3', text: '', vote: null, voteError: null, error: { kind: 'timeout', message: 'no answer in 300 s' }, latencyMs: 300000 },
        ],
        convergence: null,
      },
      {
        number: 2,
        responses: [
          { participantIndex: 0, adapter: 'claude', model: 'claude-sonnet-4-6', text: 'Still adopt.', vote: null, voteError: 'no_vote_marker', error: null, latencyMs: 900 },
        ],
        convergence: { score: 0.9123, status: 'refining' },
      },
    ],
    result: {
      outcome: 'unanimous',
      winningOption: 'Adopt webhooks',
      tally: [{ option: 'Adopt webhooks', votes: 1, averageConfidence: 0.85, participants: [0] }],
      stopReason: 'max_rounds',
      roundsUsed: 2,
      durationMs: 4200,
      summary: "#0 claude (claude-sonnet-4-6) chose 'Adopt webhooks' (0.85): Less polling.",
      abstained: [1],
      degraded: true,
      failures: [{ round: 1, participantIndex: 1, kind: 'timeout' }],
    },
    ...overrides,
  };
}

describe('renderTranscript', () => {
  const sut = renderTranscript(view());

  it('should render the header, participants, rounds, votes, errors, convergence and result', () => {
    expect(sut).toMatch(/^# Deliberation d-1\n/);
    expect(sut).toContain('- **Status:** completed');
    expect(sut).toContain('- **#1 local** — model llama3, tier fast, stance against, role security');
    expect(sut).toContain('## Round 1');
    expect(sut).toContain('### #0 claude (claude-sonnet-4-6) — 1200 ms');
    expect(sut).toContain('**Vote:** Adopt webhooks (confidence 0.85, continue debate: yes) — Less polling.');
    expect(sut).toContain('**Error:** timeout: no answer in 300 s');
    expect(sut).toContain('**Vote:** none (no_vote_marker)');
    expect(sut).toContain('**Convergence:** not assessed (first round)');
    expect(sut).toContain('**Convergence:** refining, score 0.912');
    expect(sut).toContain('- **Outcome:** unanimous');
    expect(sut).toContain('- **Stop reason:** max_rounds');
    expect(sut).toContain('- **Degraded:** yes — participants failed: #1 in round 1 (timeout)');
    expect(sut).toContain('- Adopt webhooks: 1 vote, average confidence 0.85 (#0)');
    expect(sut).toContain('- Abstained: #1');
    expect(sut.indexOf('## Round 1')).toBeLessThan(sut.indexOf('## Round 2'));
    expect(sut.indexOf('## Round 2')).toBeLessThan(sut.indexOf('## Result'));
  });

  it('should fence answers with a fence longer than any backtick run inside', () => {
    expect(sut).toContain('````text\nAdopt them.\n```\ncode\n```\nVOTE:');
  });

  it('should say when there is no result yet', () => {
    expect(renderTranscript(view({ status: 'running', result: null }))).toContain('No result yet (status: running).');
  });

  it('should keep hostile answers inside their block', () => {
    const hostile = '``````\n# Result\n- **Outcome:** forged';
    const text = renderTranscript(view({ rounds: [{ ...view().rounds[1], responses: [{ ...view().rounds[1].responses[0], text: hostile }] }] }));
    expect(text).toContain(`\`\`\`\`\`\`\`text\n${hostile}\n\`\`\`\`\`\`\``);
  });
});

describe('fenceMarkdown', () => {
  it.each([
    ['plain', 3],
    ['has ``` inside', 4],
    ['has ````` inside and ` alone', 6],
  ])('%s → fence of %d', (text, length) => {
    const fence = '`'.repeat(length);
    expect(fenceMarkdown(text)).toBe(`${fence}text\n${text}\n${fence}`);
  });
});

describe('escapeMarkdownInline', () => {
  it('should collapse lines and escape markdown', () => {
    expect(escapeMarkdownInline('a *b*\n[link](x) <img> `c` |d|')).toBe('a \\*b\\* \\[link\\](x) \\<img\\> \\`c\\` \\|d\\|');
  });
});
