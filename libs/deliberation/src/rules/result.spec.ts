import type { Outcome, Vote } from '../deliberation.types';
import { firstSentences, latestValidVotes, summarizePositions, tallyVotes, votesSplit, type FinalVote } from './result';

const vote = (option: string, confidence = 0.8, rationale = ''): Vote => ({ option, confidence, rationale, continueDebate: true });
const finals = (...votes: Array<Vote | null>): FinalVote[] => votes.map((v, participantIndex) => ({ participantIndex, vote: v }));
const noGrouping = new Map<string, string>();

describe('tallyVotes', () => {
  it.each<[string, FinalVote[], Outcome, string | null]>([
    ['unanimous', finals(vote('A'), vote('A'), vote('A')), 'unanimous', 'A'],
    ['unanimous with an abstainer', finals(vote('A'), null, vote('A')), 'unanimous', 'A'],
    ['a single voter', finals(vote('A'), null), 'unanimous', 'A'],
    ['majority', finals(vote('A'), vote('A'), vote('B')), 'majority', 'A'],
    ['plurality, not a majority', finals(vote('A'), vote('A'), vote('B'), vote('C'), vote('D')), 'plurality', 'A'],
    ['exactly half is a plurality', finals(vote('A'), vote('A'), vote('B'), vote('C')), 'plurality', 'A'],
    ['tie', finals(vote('A'), vote('B')), 'tie', null],
    ['tie at the top with a third option', finals(vote('A'), vote('A'), vote('B'), vote('B'), vote('C')), 'tie', null],
    ['tie regardless of confidence', finals(vote('A', 0.9), vote('B', 0.1)), 'tie', null],
    ['no_votes with abstainers', finals(null, null, null), 'no_votes', null],
    ['no_votes with nobody', [], 'no_votes', null],
    ['ABSTAIN never wins', finals(vote('ABSTAIN'), vote('abstain'), vote('A')), 'unanimous', 'A'],
    ['ABSTAIN alone is no_votes', finals(vote('Abstain.'), null), 'no_votes', null],
  ])('%s', (_name, votes, outcome, winningOption) => {
    const sut = tallyVotes(votes, noGrouping);
    expect(sut.outcome).toBe(outcome);
    expect(sut.winningOption).toBe(winningOption);
    expect(sut.tally.map((entry) => entry.option)).not.toContain('ABSTAIN');
  });

  it('should list abstainers and never count them as voters', () => {
    const sut = tallyVotes(finals(null, vote('A'), vote('B'), vote('B'), vote('ABSTAIN')), noGrouping);
    expect(sut.abstained).toEqual([0, 4]);
    expect(sut.tally.reduce((total, entry) => total + entry.votes, 0)).toBe(3);
    expect(sut.outcome).toBe('majority');
  });

  it('should count grouped options under the canonical spelling', () => {
    const grouping = new Map([
      ['Adopt webhooks', 'Adopt webhooks'],
      ['adopt webhooks.', 'Adopt webhooks'],
    ]);
    const sut = tallyVotes(finals(vote('Adopt webhooks', 0.9), vote('adopt webhooks.', 0.7), vote('Keep polling')), grouping);
    expect(sut.tally[0]).toEqual({
      option: 'Adopt webhooks',
      votes: 2,
      averageConfidence: expect.closeTo(0.8, 10),
      participants: [0, 1],
      variants: [
        { option: 'Adopt webhooks', participants: [0] },
        { option: 'adopt webhooks.', participants: [1] },
      ],
    });
    expect(sut.outcome).toBe('majority');
  });

  it('should list the exact wordings merged into each entry, most voted first', () => {
    const grouping = new Map([
      ['Approve', 'Approve'],
      ['Approve — engine handles asymmetry', 'Approve'],
      ['Do not approve', 'Do not approve'],
    ]);
    const sut = tallyVotes(finals(vote('Approve — engine handles asymmetry'), vote('Approve'), vote('Do not approve'), vote('Approve')), grouping);
    expect(sut.tally.map((entry) => [entry.option, entry.variants])).toEqual([
      [
        'Approve',
        [
          { option: 'Approve', participants: [1, 3] },
          { option: 'Approve — engine handles asymmetry', participants: [0] },
        ],
      ],
      ['Do not approve', [{ option: 'Do not approve', participants: [2] }]],
    ]);
    expect(sut.abstained).toEqual([]);
  });

  it('should sort by votes, then average confidence, then first seen', () => {
    const sut = tallyVotes(finals(vote('C', 0.5), vote('B', 0.5), vote('A', 0.9), vote('D', 0.5), vote('D', 0.5)), noGrouping);
    expect(sut.tally.map((entry) => entry.option)).toEqual(['D', 'A', 'C', 'B']);
  });
});

describe('votesSplit', () => {
  const grouping = new Map([['adopt webhooks.', 'Adopt webhooks']]);
  it.each<[string, Array<Vote | null>, boolean]>([
    ['one option', [vote('A'), vote('A')], false],
    ['one option after grouping', [vote('Adopt webhooks'), vote('adopt webhooks.')], false],
    ['two options', [vote('A'), vote('B')], true],
    ['abstainers ignored', [vote('A'), null, vote('ABSTAIN')], false],
    ['no votes', [null, null], false],
  ])('%s', (_name, votes, expected) => {
    expect(votesSplit(votes, grouping)).toBe(expected);
  });
});

describe('latestValidVotes', () => {
  it("should keep each participant's latest valid vote across rounds", () => {
    const rounds = [
      {
        responses: [
          { participantIndex: 0, vote: vote('A') },
          { participantIndex: 1, vote: vote('B') },
          { participantIndex: 2, vote: null },
        ],
      },
      {
        responses: [
          { participantIndex: 1, vote: null },
          { participantIndex: 0, vote: vote('C') },
        ],
      },
    ];
    expect(latestValidVotes(rounds, [0, 1, 2, 3])).toEqual([
      { participantIndex: 0, vote: vote('C') },
      { participantIndex: 1, vote: vote('B') },
      { participantIndex: 2, vote: null },
      { participantIndex: 3, vote: null },
    ]);
  });
});

describe('summarizePositions', () => {
  it('should build one line per participant from the votes and answers', () => {
    const sut = summarizePositions([
      {
        participantIndex: 0,
        adapter: 'claude',
        model: 'claude-sonnet-4-6',
        text: 'Webhooks cut load. More text.\nVOTE: {}',
        vote: vote('Adopt webhooks', 0.85, 'Polling wastes requests.'),
      },
      {
        participantIndex: 1,
        adapter: 'local',
        model: 'llama',
        text: '## Thoughts\nPolling is simple. It works.\nVOTE: {"option": "Keep polling", "confidence": 0.6}',
        vote: vote('Keep polling', 0.6),
      },
      { participantIndex: 2, adapter: 'codex', model: 'gpt', text: 'I could not decide\n\nat all', vote: null },
    ]);
    expect(sut.split('\n')).toEqual([
      "#0 claude (claude-sonnet-4-6) chose 'Adopt webhooks' (0.85): Polling wastes requests.",
      "#1 local (llama) chose 'Keep polling' (0.60): Thoughts Polling is simple.",
      '#2 codex (gpt) cast no valid vote: I could not decide at all',
    ]);
  });

  it('should keep every line short even for huge answers', () => {
    const sut = summarizePositions([{ participantIndex: 0, adapter: 'a', model: 'm', text: 'x'.repeat(1_000_000), vote: null }]);
    expect(sut.length).toBeLessThan(400);
  });
});

describe('firstSentences', () => {
  it.each([
    ['One. Two. Three.', 2, 'One. Two.'],
    ['No end', 1, 'No end'],
    ['Version 1.2 is out. Yes.', 1, 'Version 1.2 is out.'],
    ['Hi!  What?\nOk.', 2, 'Hi! What?'],
  ])('%j, %d → %j', (text, count, expected) => {
    expect(firstSentences(text, count)).toBe(expected);
  });
});
