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
          {
            participantIndex: 1,
            adapter: 'local',
            model: 'llama3',
            text: '',
            vote: null,
            voteError: null,
            error: { kind: 'timeout', message: 'no answer in 300 s' },
            latencyMs: 300000,
          },
        ],
        convergence: null,
      },
      {
        number: 2,
        responses: [
          {
            participantIndex: 0,
            adapter: 'claude',
            model: 'claude-sonnet-4-6',
            text: 'Still adopt.',
            vote: null,
            voteError: 'no_vote_marker',
            error: null,
            latencyMs: 900,
          },
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

  it('should show the ballot each round carried, the ballot itself, the variants of every merge and the cost', () => {
    const sut = renderTranscript(
      view({
        result: {
          ...view().result!,
          tally: [
            {
              option: 'Adopt webhooks',
              votes: 2,
              averageConfidence: 0.8,
              participants: [0, 1],
              variants: [
                { option: 'Adopt webhooks', participants: [0] },
                { option: 'Adopt webhooks with polling fallback', participants: [1] },
              ],
            },
          ],
          ballot: [
            {
              label: 'A',
              option: 'Adopt webhooks',
              round: 1,
              variants: [
                { option: 'Adopt webhooks', votes: 2 },
                { option: 'Adopt webhooks with polling fallback', votes: 1 },
              ],
            },
            { label: 'B', option: 'Keep *polling*', round: 2, variants: [{ option: 'Keep *polling*', votes: 1 }] },
          ],
          tokens: {
            inputTokens: 12_000,
            outputTokens: 3_000,
            reasoningTokens: 500,
            cachedInputTokens: 1_000,
            totalTokens: 15_500,
            calls: 4,
            costUsd: 0.0421,
            costLowerUsd: 0.04,
            costUpperUsd: 0.0442,
            unpricedCalls: 0,
          },
        },
      }),
    );
    expect(sut).not.toMatch(/## Round 1\n\n\*\*Ballot offered/);
    expect(sut).toContain('## Round 2\n\n**Ballot offered:** A. Adopt webhooks\n');
    expect(sut).toContain(
      '- Adopt webhooks: 2 votes, average confidence 0.80 (#0, #1)\n  - "Adopt webhooks" (#0)\n  - "Adopt webhooks with polling fallback" (#1)',
    );
    expect(sut).toContain(
      '### Ballot\n\n- A. Adopt webhooks (first voted in round 1; wordings: "Adopt webhooks" ×2, "Adopt webhooks with polling fallback" ×1)\n- B. Keep \\*polling\\* (first voted in round 2)',
    );
    expect(sut).toContain(
      '- **Cost:** 15,500 tokens (input 12,000, cached 1,000, output 3,000, reasoning 500; 4 calls), $0.0421 (between $0.0400 and $0.0442)',
    );
  });

  it('should say when the cost is unknown, and list no variants for a single wording', () => {
    const tokens = {
      inputTokens: 10,
      outputTokens: 5,
      reasoningTokens: 0,
      cachedInputTokens: 0,
      totalTokens: 15,
      calls: 1,
      costUsd: null,
      costLowerUsd: null,
      costUpperUsd: null,
      unpricedCalls: 1,
    };
    const tally = [
      { option: 'Adopt webhooks', votes: 1, averageConfidence: 0.85, participants: [0], variants: [{ option: 'Adopt webhooks', participants: [0] }] },
    ];
    const sut = renderTranscript(view({ result: { ...view().result!, tally, tokens } }));
    expect(sut).toContain('- **Cost:** 15 tokens (input 10, cached 0, output 5, reasoning 0; 1 call), cost unknown (no call could be priced)');
    expect(sut).not.toContain('  - "Adopt webhooks"');
    expect(sut).not.toContain('Ballot');
  });

  it('should mark a vote cast by ballot label', () => {
    const base = view();
    const response = {
      ...base.rounds[0].responses[0],
      vote: { option: 'Adopt webhooks', confidence: 0.9, rationale: '', continueDebate: false, ballotLabel: 'A', writtenOption: '(A)' },
    };
    const sut = renderTranscript(view({ rounds: [{ ...base.rounds[0], responses: [response] }] }));
    expect(sut).toContain('**Vote:** Adopt webhooks [ballot A, written "(A)"] (confidence 0.90, continue debate: no)');
  });

  it('should fence answers with a fence longer than any backtick run inside', () => {
    expect(sut).toContain('````text\nAdopt them.\n```\ncode\n```\nVOTE:');
  });

  it('should name the past decisions quoted in round 1, or the one that answered it', () => {
    const decision = {
      id: 'd-0',
      question: 'Webhooks *or* polling?',
      decision: 'Adopt webhooks',
      outcome: 'unanimous' as const,
      confidence: 0.9,
      decidedAt: '2024-12-01T00:00:00.000Z',
      similarity: 0.8123,
      similarityBy: 'tfidf' as const,
    };
    const quoted = renderTranscript(view({ memory: { mode: 'context', decisions: [decision] } }));
    expect(quoted).toContain("## Memory\n\nPast decisions quoted in round 1's prompt:");
    expect(quoted).toContain('- d-0 of 2024-12-01, similarity 0.81: "Adopt webhooks" (unanimous)');
    expect(quoted).toContain('asked: Webhooks \\*or\\* polling?');
    const reused = renderTranscript(view({ rounds: [], memory: { mode: 'reuse', decisions: [{ ...decision, similarity: 1 }], reusedFrom: 'd-0' } }));
    expect(reused).toContain('Answered from memory: decision d-0; no model was called.');
    expect(renderTranscript(view({ memory: { mode: 'context', decisions: [] } }))).not.toContain('## Memory');
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
