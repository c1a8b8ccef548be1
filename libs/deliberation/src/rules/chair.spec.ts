import type { Vote } from '../deliberation.types';
import { mappedTally, parseChair } from './chair';
import { tallyVotes } from './result';

const vote = (option: string, confidence = 0.8): Vote => ({ option, confidence, rationale: 'r', continueDebate: false });

describe(parseChair.name, () => {
  const block =
    '{"recommendation": "Adopt webhooks behind a queue", "agreements": ["idempotent consumers"], "disagreements": ["rollout speed"], "dissent": ["P2 wants polling kept"], "mapping": {"Approve with integration revisions": "Approve with revisions"}}';

  it('should read the prose before the block and the structured synthesis after it', () => {
    const parsed = parseChair(`## Synthesis\nMost participants converge on webhooks.\n\nCHAIR: ${block}`);

    expect(parsed).toEqual({
      ok: true,
      synthesis: {
        text: '## Synthesis\nMost participants converge on webhooks.',
        recommendation: 'Adopt webhooks behind a queue',
        agreements: ['idempotent consumers'],
        disagreements: ['rollout speed'],
        dissent: ['P2 wants polling kept'],
        mapping: { 'Approve with integration revisions': 'Approve with revisions' },
      },
    });
  });

  it.each([
    ['bold marker and a fenced block', `Text\n**CHAIR:** \`\`\`json\n${block}\n\`\`\``],
    ['lower case, marker quoted earlier in the prose', `The format asks for "CHAIR: {...}".\nchair: ${block}`],
  ])('should find the last marker: %s', (_name, text) => {
    const parsed = parseChair(text);
    expect(parsed.ok && parsed.synthesis.recommendation).toBe('Adopt webhooks behind a queue');
  });

  it.each([
    ['no marker', 'A thoughtful synthesis without the line.', 'without a CHAIR: line'],
    ['no JSON after it', 'CHAIR: see above', 'holds no JSON'],
    ['JSON cut off at the output limit', 'CHAIR: {"recommendation": "Adopt', 'holds no JSON'],
    ['no recommendation', 'CHAIR: {"agreements": []}', 'no recommendation'],
    ['not an object', 'CHAIR: ["a"]', 'holds no JSON'],
    ['a word ending in chair is not the marker', 'armchair: {"recommendation": "x"}', 'without a CHAIR: line'],
  ])('should state why there is no synthesis: %s', (_name, text, error) => {
    const parsed = parseChair(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(error);
  });

  it('should keep only strings, trimmed and capped, and drop an empty mapping', () => {
    const parsed = parseChair(`CHAIR: {"recommendation": " x ", "agreements": ["  a  ", 3, "", null, "${'b'.repeat(900)}"], "mapping": {"k": 1}}`);
    expect(parsed.ok && parsed.synthesis).toEqual({ text: '', recommendation: 'x', agreements: ['a', 'b'.repeat(500)], disagreements: [], dissent: [] });
  });
});

describe(mappedTally.name, () => {
  const finals = [
    { participantIndex: 0, vote: vote('Approve with integration revisions') },
    { participantIndex: 1, vote: vote('Approve with integration-seam revisions') },
    { participantIndex: 2, vote: vote('Reject') },
    { participantIndex: 3, vote: null },
  ];
  const grouping = new Map<string, string>();
  const engine = tallyVotes(finals, grouping);

  it('should tally the votes as the chair maps them, when that changes the outcome', () => {
    const mapped = mappedTally(
      finals,
      grouping,
      { 'Approve with integration revisions': 'Approve with revisions', 'Approve with integration-seam revisions': 'Approve with revisions' },
      engine,
    );

    expect(engine.outcome).toBe('tie');
    expect(mapped).toMatchObject({ outcome: 'majority', winningOption: 'Approve with revisions', abstained: [3] });
    expect(mapped!.tally[0].variants.map((v) => v.option)).toEqual(['Approve with integration revisions', 'Approve with integration-seam revisions']);
  });

  it('should be null when the mapping changes neither the outcome nor the winner', () => {
    expect(mappedTally(finals, grouping, { Reject: 'Reject' }, engine)).toBeNull();
  });
});
