import type { Vote } from '../deliberation.types';
import { ballotLabel, ballotScheme, resolveBallotVote, updateBallot, type Ballot } from './ballot';
import { tfidfCosine } from './similarity';

const vote = (option: string, extra: Partial<Vote> = {}): Vote => ({ option, confidence: 0.8, rationale: 'r', continueDebate: true, ...extra });
const update = (ballot: Ballot | undefined, round: number, options: Array<string | Vote>, scheme: 'letters' | 'numbers' = 'letters'): Ballot =>
  updateBallot(
    ballot,
    round,
    options.map((o) => (typeof o === 'string' ? vote(o) : o)),
    scheme,
    tfidfCosine,
    0.85,
  );

const LETTERS: Ballot = {
  scheme: 'letters',
  entries: [
    {
      label: 'A',
      option: 'Approve',
      round: 1,
      variants: [
        { option: 'Approve', votes: 2 },
        { option: 'Approve — engine handles asymmetry', votes: 1 },
      ],
    },
    { label: 'B', option: 'Reject and revise', round: 1, variants: [{ option: 'Reject and revise', votes: 1 }] },
    { label: 'C', option: 'Defer to Q3', round: 2, variants: [{ option: 'Defer to Q3', votes: 1 }] },
  ],
};

describe('ballotLabel', () => {
  it.each([
    [0, 'letters', 'A'],
    [1, 'letters', 'B'],
    [25, 'letters', 'Z'],
    [26, 'letters', 'AA'],
    [27, 'letters', 'AB'],
    [0, 'numbers', '1'],
    [9, 'numbers', '10'],
  ] as const)('should label entry %i (%s) %j', (index, scheme, label) => {
    expect(ballotLabel(index, scheme)).toBe(label);
  });
});

describe('ballotScheme', () => {
  it.each([
    [['Should we adopt webhooks for billing?'], 'letters'],
    [['Review the design of the engine refactor.', 'Approve', 'Reject'], 'letters'],
    [['Which should we pick? Option A: Postgres. Option B: MongoDB.'], 'numbers'],
    [['Choose one:\nA) keep polling\nB) webhooks'], 'numbers'],
    [['Choose one:\n(A) keep polling\n(B) webhooks'], 'numbers'],
    [['Should we adopt webhooks?', 'Plan B'], 'numbers'],
    [['Should we adopt webhooks?', 'B'], 'numbers'],
    [['Is a rewrite worth it? A decision is needed by Friday.'], 'letters'],
    [['Use the approach described below.'], 'letters'],
  ] as const)('should pick a scheme for %j: %s', (texts, scheme) => {
    expect(ballotScheme(texts)).toBe(scheme);
  });
});

/** [what was voted, ballot, resolved option, label or undefined]. */
const RESOLUTIONS: ReadonlyArray<readonly [string, Ballot, string, string | undefined]> = [
  ['B', LETTERS, 'Reject and revise', 'B'],
  ['b', LETTERS, 'Reject and revise', 'B'],
  ['(B)', LETTERS, 'Reject and revise', 'B'],
  ['[B]', LETTERS, 'Reject and revise', 'B'],
  ['Option B', LETTERS, 'Reject and revise', 'B'],
  ['option (B)', LETTERS, 'Reject and revise', 'B'],
  ['Ballot B', LETTERS, 'Reject and revise', 'B'],
  ['  C  ', LETTERS, 'Defer to Q3', 'C'],
  ['B) Reject and revise', LETTERS, 'Reject and revise', 'B'],
  ['B: reject and revise.', LETTERS, 'Reject and revise', 'B'],
  ['B — Reject and Revise', LETTERS, 'Reject and revise', 'B'],
  // The wording wins over a label that names another entry.
  ['B — Approve', LETTERS, 'Approve', undefined],
  // Exact wording of any variant (after normalization) names the entry; the wording is kept.
  ['Approve', LETTERS, 'Approve', 'A'],
  ['approve.', LETTERS, 'approve.', 'A'],
  ['Approve — engine handles asymmetry', LETTERS, 'Approve — engine handles asymmetry', 'A'],
  ['Defer to Q3', LETTERS, 'Defer to Q3', 'C'],
  // A label that does not exist is a new option, never an error.
  ['D', LETTERS, 'D', undefined],
  ['Option Z', LETTERS, 'Option Z', undefined],
  ['(Q)', LETTERS, '(Q)', undefined],
  // Anything else is a new option, even a paraphrase (grouping merges those later).
  ['Approve with integration revisions', LETTERS, 'Approve with integration revisions', undefined],
  ['Go', LETTERS, 'Go', undefined],
  ['No', LETTERS, 'No', undefined],
  ['Because B is safer', LETTERS, 'Because B is safer', undefined],
  ['A and B', LETTERS, 'A and B', undefined],
];

describe('resolveBallotVote', () => {
  it.each(RESOLUTIONS)('should read %j as %j (label %s)', (written, ballot, option, label) => {
    const sut = resolveBallotVote(vote(written), ballot);
    expect(sut.option).toBe(option);
    expect(sut.ballotLabel).toBe(label);
    expect(sut.confidence).toBe(0.8);
  });

  it('should remember what was written when a label resolved to a wording', () => {
    expect(resolveBallotVote(vote('(B)'), LETTERS)).toMatchObject({ option: 'Reject and revise', ballotLabel: 'B', writtenOption: '(B)' });
    expect(resolveBallotVote(vote('Approve'), LETTERS).writtenOption).toBeUndefined();
  });

  it('should leave a vote alone without a ballot', () => {
    const sut = vote('B');
    expect(resolveBallotVote(sut, undefined)).toBe(sut);
    expect(resolveBallotVote(sut, { scheme: 'letters', entries: [] })).toBe(sut);
  });

  describe('when the question names its own options "Option A" / "Option B"', () => {
    // The ballot numbers its entries; entry 1 happens to be the question's Option B.
    const numbered: Ballot = {
      scheme: 'numbers',
      entries: [
        { label: '1', option: 'Option B', round: 1, variants: [{ option: 'Option B', votes: 2 }] },
        { label: '2', option: 'Option A', round: 1, variants: [{ option: 'Option A', votes: 1 }] },
      ],
    };

    it.each([
      ['Option A', 'Option A', '2'],
      ['Option B', 'Option B', '1'],
      ['option b.', 'option b.', '1'],
      ['(B)', '(B)', undefined],
      ['A', 'A', undefined],
      ['1', 'Option B', '1'],
      ['#2', 'Option A', '2'],
      ['(2)', 'Option A', '2'],
      ['Option 2', 'Option A', '2'],
      ['3', '3', undefined],
      ['Option C', 'Option C', undefined],
    ])('should read %j as %j (label %s), never a letter as a ballot label', (written, option, label) => {
      const sut = resolveBallotVote(vote(written), numbered);
      expect(sut.option).toBe(option);
      expect(sut.ballotLabel).toBe(label);
    });

    it('should number the ballot of such a question from its first round', () => {
      const scheme = ballotScheme(['Pick one. Option A: Postgres. Option B: MongoDB.', 'Option B', 'Option A']);
      const sut = update(undefined, 1, ['Option B', 'Option A', 'Option B'], scheme);
      expect(sut.entries.map((e) => [e.label, e.option])).toEqual([
        ['1', 'Option B'],
        ['2', 'Option A'],
      ]);
    });
  });
});

describe('updateBallot', () => {
  it('should open one entry per decision after grouping, labelled in order of first vote', () => {
    const sut = update(undefined, 1, ['Approve — engine handles asymmetry', 'Do not approve as written', 'Approve', 'Approve']);
    expect(sut).toEqual({
      scheme: 'letters',
      entries: [
        {
          label: 'A',
          option: 'Approve',
          round: 1,
          variants: [
            { option: 'Approve — engine handles asymmetry', votes: 1 },
            { option: 'Approve', votes: 2 },
          ],
        },
        { label: 'B', option: 'Do not approve as written', round: 1, variants: [{ option: 'Do not approve as written', votes: 1 }] },
      ],
    });
  });

  it('should keep labels stable across rounds while wordings gather votes', () => {
    const round1 = update(undefined, 1, ['Conditional approve with P1 fixes', 'Reject and revise']);
    const round2 = update(round1, 2, [
      vote('Reject and revise', { ballotLabel: 'B' }),
      'Conditional Approve with P0/P1 fixes',
      'Conditional Approve with P0/P1 fixes',
      'Defer',
    ]);
    expect(round2.entries.map((e) => [e.label, e.option, e.round])).toEqual([
      ['A', 'Conditional Approve with P0/P1 fixes', 1],
      ['B', 'Reject and revise', 1],
      ['C', 'Defer', 2],
    ]);
    // The earlier ballot is not changed in place: it is a checkpoint's data.
    expect(round1.entries[0].option).toBe('Conditional approve with P1 fixes');
  });

  it('should put a label vote in its entry even when its wording would not group there', () => {
    const round1 = update(undefined, 1, ['Approve', 'Reject']);
    const sut = update(round1, 2, [vote('Reject', { ballotLabel: 'A' })]);
    expect(sut.entries[0].variants).toEqual([
      { option: 'Approve', votes: 1 },
      { option: 'Reject', votes: 1 },
    ]);
  });

  it('should leave abstentions out and keep the scheme it was created with', () => {
    const round1 = update(undefined, 1, ['Abstain', 'Approve'], 'numbers');
    const sut = update(round1, 2, ['ABSTAIN.', 'Reject'], 'letters');
    expect(sut.scheme).toBe('numbers');
    expect(sut.entries.map((e) => [e.label, e.option])).toEqual([
      ['1', 'Approve'],
      ['2', 'Reject'],
    ]);
  });
});
