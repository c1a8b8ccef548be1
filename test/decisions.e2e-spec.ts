import request from 'supertest';
import { startPanel, turn, vote, type ScriptedPanel, type ScriptedParticipantSpec, type Turn } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 13 through REST, against loopback providers scripted per round: decisions the way real
 * frontier models word them. Paraphrases of one decision end unanimous with every wording listed;
 * opposite decisions stay split; from round 2 the prompt carries the ballot and label votes resolve;
 * the result and the transcript say what it cost.
 */

const QUESTION = [
  'Review the design document "Engine refactor: runtime ports and the chair" for implementation.',
  'It splits the deliberation engine into a round runner and a policy layer, moves budget checks behind',
  'a port, and adds an optional chair call after the last round. Should it be approved as written?',
].join(' ');

/**
 * Review answers as four models wrote them: several paragraphs, a few thousand characters, specific
 * findings with priorities, then the vote line. Each reviewer has its own voice; round 2 answers
 * respond to the others.
 */
const REVIEWS: Record<string, string[]> = {
  claude: [
    `## Summary

The refactor is directionally right: separating the round runner from the policy layer removes the
largest source of accidental coupling in the engine today, where budget checks, tier planning and
prompt assembly interleave inside one 400-line loop. The port boundary proposed for budgets matches
how the runtime already wires the ledger, so the change is mostly a move, not a rewrite.

## Findings

**P0 — checkpoint compatibility.** The document changes the shape of the engine state (the runner
keeps its own cursor) but does not say how a checkpoint written by the current release is loaded.
Without an upgrade step, every paused deliberation becomes unresumable on deploy. This must be fixed
before implementation starts, not after.

**P1 — reservation ordering.** The chair call is described as "made after the last round", but the
reservation for it is not mentioned. If the chair is reserved only when it is called, a deliberation
near its hard cap can overspend by one call. Reserve it with the last round, or skip it explicitly.

**P1 — error surface.** A chair that times out should leave the result complete and flagged. The
document leaves the failure mode to the implementation; it should be specified.

## Assessment

None of these is a reason to stop the work; all three are a reason not to start it unchanged.`,
    `## Round 2

I read the other reviews. Participant 3's point about the integration seam between the runner and the
event hub is well taken and overlaps with my reservation-ordering concern: both are about who owns a
call's lifecycle once the engine no longer does. I am not persuaded by the argument that checkpoint
compatibility can be handled "in a follow-up"; a follow-up that ships after the refactor is a window
in which resumes fail.

## Where I stand

The P0 on checkpoint compatibility stands. I am downgrading the error-surface finding to P2: the
existing failure handling for participants generalises to the chair with one sentence in the doc.
The reservation ordering remains P1.

Concretely, I would approve once the document (1) adds the state upgrade step with a test against a
checkpoint captured from the current release, and (2) states that the chair is reserved with the last
round and skipped, flagged, when it does not fit. With those two edits the rest is detail that review
of the pull requests can carry.`,
  ],
  codex: [
    `I went through the document section by section against the current code.

Runner/policy split: good. The current engine mixes "what to do next" (stop decisions, tier plans)
with "how to do it" (calls, timeouts, persistence). The proposed split puts decideStop and planRound
behind the policy and leaves the runner with calls and persistence. That is the split I would choose.

Budget port: fine in principle. One problem: the document has the runner call reserve() per call,
while the current gate reserves a whole round atomically (all or none). Per-call reservation can admit
half a round and then pause, which wastes the admitted calls. This is a P1: keep round-level
reservation, or show why per-call is safe.

Chair: the call is specified, its parsing is specified, but its tokens are not. It has to go through
the same ledger row path (role chair), otherwise /tokens and budgets disagree. P1.

State: the document adds a field to the engine state without a schema version bump or an upgrade
function. P0 — resume of existing checkpoints breaks.

Tests: the plan lists unit tests for the policy but no medium test of checkpoint → resume across the
new boundary. Add one.`,
    `Second round. The others agree on the checkpoint issue, and nobody defended per-call reservation, so
I take both as settled findings rather than my opinion.

Responding to participant 2 (against): the claim that the refactor should be rejected because "the
engine works today" does not hold. The engine works, but every change to it in the last month touched
the same loop and two of them conflicted. That is the cost the refactor removes.

Responding to participant 4: agreed that the event hub integration is under-specified. I would fold
it into the P1 on lifecycle ownership rather than list it separately.

Updated findings:
- P0: state upgrade for the new engine state, tested against a real checkpoint.
- P1: round-level reservation kept; chair reserved with the last round.
- P1: chair tokens through the ledger with their own row.
- P2: medium test for resume across the boundary.

The design is sound with these fixes. The P0 and the reservation P1 should be in the document before
implementation; the rest can be tracked as implementation tasks.`,
  ],
  gemini: [
    `**Position: against approving as written.** I was asked to argue the risks, and there are real ones.

1. *Scope.* The document bundles three changes: the runner/policy split, the budget port and the chair.
Each is reasonable; together they are a large change to the one component every deliberation runs
through, with no staging. If the chair slips, the split is blocked behind it.

2. *Behaviour drift.* The document claims "no behaviour change" for the split, but moving decideStop
behind a policy object changes when the stop decision sees the round's votes (after persistence
instead of before). That can change stop reasons for deliberations at the boundary.

3. *Compatibility.* Existing checkpoints hold the old state. The document does not mention them.

4. *Observability.* The runner will emit events the engine used to emit; the document does not list
which component owns which event, so a subscriber could see duplicates or gaps.

These are blocking for me: the refactor should be revised and split before it is approved.`,
    `Round 2: I have moved.

The other reviewers convinced me on scope: the chair can be made optional in the implementation
plan, landing after the split, without changing the design. That answers my first objection, and
participant 1's point that the current loop is where conflicts happen is borne out by the history.

The behaviour-drift point stands but is testable: a table test of decideStop fed the same round
before and after the move would show any drift. I would require that test, not a redesign.

Compatibility remains a P0 for everyone, and it is the single item I would block on.

So my position is no longer "revise and split": the design can go ahead provided the checkpoint
upgrade is specified and the decideStop table test is added before the implementation PR merges.
Those are fixes to the document, not a rework of it.

I still think the document under-sells the risk of the event ordering change, and I would like the
ownership table participant 4 proposed to include, for each event, whether a late SSE subscriber
sees it replayed from stored state or only live. That is a one-column addition.`,
  ],
  deepseek: [
    `### What works

The separation of concerns is clean and the proposed file layout (runtime/runner, runtime/policy,
engine as a thin coordinator) follows the style guide's rule of one use case per service. The budget
port is the right abstraction; it lets unit tests pass a fake budget instead of a real ledger.

### What is missing

The integration seam between the new runner and the existing event hub is not described at all.
Today the engine emits round_started, response_received and round_completed from inside its loop.
After the split, which of runner and policy emits them, and in what order relative to persistence?
SSE subscribers depend on that order (a late subscriber replays stored state first).

The chair call needs its own cancellation path: cancelling a deliberation during the chair call must
abort it and keep the completed result.

Checkpoint versioning is not addressed.

### Verdict

Approve, with revisions to the integration seams before implementation: event ownership, chair
cancellation, and state versioning. I expect each to be a paragraph in the document.`,
    `### Round 2

Reading the others, the integration seams I raised are the same issue participant 1 called lifecycle
ownership and participant 2 called ledger rows for the chair. We agree on substance; the differences
are in priority labels.

I keep my verdict. The revisions are integration patches to the document, they are required before
implementation begins, and they are small: an event ownership table, a sentence on chair
cancellation, and the state upgrade step everyone has asked for.

I do not think the refactor needs to be split into three documents, and participant 3 has come round
to the same view. The decideStop table test suggested there is a good addition.

### On the remaining disagreement

The only open point is labelling: whether checkpoint compatibility is a P0 blocker (participants 1
and 2) or a required revision (my wording). In practice these mean the same thing for the document:
it is not implemented until the upgrade step is written down and tested. I would rather the tally
show that we agree on the decision than on the label we attach to it.`,
  ],
};

/** The closing notes each reviewer adds to every answer: what the implementation PRs should carry. */
const NOTES: Record<string, string> = {
  claude: `## Notes for the implementation

Keep the move and the behaviour changes in separate pull requests: first the mechanical split with
every existing engine test passing unchanged, then the budget port, then the chair. Reviewers can
then check the first PR by diffing moved code, which is fast, and spend their attention on the two
that change behaviour. The state upgrade belongs in the first PR, since it is the one that changes
the checkpoint shape, and its test should load a checkpoint captured from the current release rather
than one constructed by hand, so it proves compatibility with what is actually stored in production.`,
  codex: `Implementation notes:
- The engine spec's fake ports are the cheapest safety net: port them first, then move code until
  they pass again. Do not rewrite them alongside the move.
- Keep EngineState plain data. The runner's cursor should be derivable from rounds and partial, which
  avoids the new field entirely and with it half of the upgrade problem.
- The chair's CHAIR: block parser should reuse the vote parser's scanner (single pass, last marker
  wins, JSON.parse on a bounded slice) instead of a second hand-written one.
- Measure: the bench has a per-round overhead figure; it should not move by more than noise.`,
  gemini: `Further risks worth writing down, even if none of them blocks on its own:

The policy object will be tempting to make configurable per deliberation. Resist that in this
refactor; it multiplies the test matrix and nobody has asked for it. The budget port should keep the
synchronous check-and-add reservation semantics, because that is what keeps concurrent deliberations
under a hard cap in one process, and an async port invites an await between the check and the add.
Finally, the document should say what happens to a deliberation that is running during the deploy:
it is interrupted and resumed from its checkpoint, which is exactly why the upgrade step matters.`,
  deepseek: `### Suggested document additions

1. An event ownership table: event name, emitting component, emitted before or after persistence.
2. A paragraph on cancellation during the chair call: abort the call, keep the completed result,
   record the chair's partial usage as a failed call with its own ledger row.
3. The state upgrade: which version, what the step does, and the test that proves it.
4. A sentence on the bench: the refactor should not change per-round overhead beyond noise.

With these the document is complete enough to implement without design questions coming back in
review, which is the point of approving it now rather than after another round of edits.`,
};

const NAMES = ['claude', 'codex', 'gemini', 'deepseek'];

/** One reviewer: round N's review text and vote, continue_debate true until the last round. */
function reviewer(name: string, votes: readonly string[]): (round: number) => Turn {
  return (round) => {
    const texts = REVIEWS[name];
    const option = votes[Math.min(round, votes.length) - 1];
    return turn(
      `${texts[Math.min(round, texts.length) - 1]}\n\n${NOTES[name]}`,
      vote(option, { confidence: 0.75 + round * 0.05, rationale: `Round ${round}: ${option}.`, continueDebate: round < 2 }),
      {
        usage: { input: 2400 + round * 1800, output: 650 },
      },
    );
  };
}

describe('decisions (e2e)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function scenario(votes: Record<string, readonly string[]>): Promise<{ t: TestApp; panel: ScriptedPanel }> {
    const specs: ScriptedParticipantSpec[] = NAMES.map((name) => ({ name, script: reviewer(name, votes[name]) }));
    const panel = await startPanel(specs);
    cleanups.push(() => panel.close());
    const t = await startTestApp({ adapters: panel.adapters });
    cleanups.push(() => t.close());
    return { t, panel };
  }

  async function deliberate(t: TestApp, panel: ScriptedPanel, question = QUESTION): Promise<any> {
    const res = await request(t.url)
      .post('/v1/deliberations?wait=true')
      .send({ question, participants: panel.participants(NAMES.map((_, i) => ({ stance: i === 2 ? 'against' : 'neutral' }))), maxRounds: 2 });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    return res.body;
  }

  it('should call paraphrases of one decision unanimous, list every wording, show the ballot and the cost', async () => {
    const finals = [
      'Approve with integration revisions',
      'Approve with integration-seam revisions',
      'Approve with integration revisions required before implementation',
      'Approve with severe integration patches required',
    ];
    const { t, panel } = await scenario({
      claude: ['Conditional approve with P0 fix required', finals[0]],
      codex: ['Conditional Approve with P0/P1 fixes', finals[1]],
      gemini: ['Reject and Revise', finals[2]],
      deepseek: ['Approve with revisions to the integration seams', finals[3]],
    });
    // Real reviews, not one-liners: the grouping is exercised on the votes real answers end with.
    for (const name of NAMES) for (const text of REVIEWS[name]) expect(`${text}\n\n${NOTES[name]}`.length).toBeGreaterThan(1600);

    const sut = await deliberate(t, panel);

    expect(sut.result).toMatchObject({ outcome: 'unanimous', winningOption: finals[0], stopReason: 'model_consensus', roundsUsed: 2 });
    expect(sut.result.tally).toEqual([
      {
        option: finals[0],
        votes: 4,
        averageConfidence: expect.closeTo(0.85, 9),
        participants: [0, 1, 2, 3],
        variants: finals.map((option, participant) => ({ option, participants: [participant] })),
      },
    ]);
    // Round 1 was split: the conditional approvals against "Reject and Revise".
    expect(sut.result.roundTallies[0].tally.map((e: any) => [e.option, e.participants])).toEqual([
      ['Conditional approve with P0 fix required', [0, 1, 3]],
      ['Reject and Revise', [2]],
    ]);

    // The ballot: what round 1 voted, grouped, labelled; round 2's prompt carried it without counts.
    expect(sut.result.ballot.map((e: any) => [e.label, e.option, e.round])).toEqual([
      ['A', 'Conditional approve with P0 fix required', 1],
      ['B', 'Reject and Revise', 1],
    ]);
    const round2Prompt = panel.callsInRound('claude', 2)[0].prompt;
    expect(round2Prompt).toContain('A. Conditional approve with P0 fix required\nB. Reject and Revise');
    expect(round2Prompt).toMatch(/written exactly as on the ballot or as its label alone/);
    expect(panel.callsInRound('claude', 1)[0].prompt).not.toContain('Ballot —');

    // What it cost, in the result: exactly the /tokens totals.
    const tokens = await request(t.url).get(`/v1/deliberations/${sut.id}/tokens`).expect(200);
    expect(sut.result.tokens).toEqual(tokens.body.totals);
    expect(sut.result.tokens).toMatchObject({ calls: 8, totalTokens: 4 * (4200 + 650) + 4 * (6000 + 650) });
    expect(sut.result.tokens.costUsd).toBeGreaterThan(0);

    const md: string = (await request(t.url).get(`/v1/deliberations/${sut.id}/transcript`).expect(200)).text;
    expect(md).toContain('## Round 2\n\n**Ballot offered:** A. Conditional approve with P0 fix required; B. Reject and Revise\n');
    expect(md).toContain(`- ${finals[0]}: 4 votes, average confidence 0.85 (#0, #1, #2, #3)`);
    for (const [participant, option] of finals.entries()) expect(md).toContain(`  - "${option}" (#${participant})`);
    expect(md).toContain('### Ballot\n\n- A. Conditional approve with P0 fix required (first voted in round 1; wordings:');
    expect(md).toMatch(/- \*\*Cost:\*\* 46,000 tokens \(input 40,800, cached 0, output 5,200, reasoning 0; 8 calls\), \$\d+\.\d{4}/);
  });

  it('should resolve ballot labels to their option and still call the conditional approvals unanimous', async () => {
    const { t, panel } = await scenario({
      claude: ['Conditional Approve with P0/P1 fixes', 'A'],
      codex: ['Conditional approve with P1 fixes', '(A)'],
      gemini: ['Conditional approve with P0 fix required', 'Option A'],
      deepseek: ['Conditional approve with P1 blockers', 'Conditional approve with P1 blockers'],
    });

    const sut = await deliberate(t, panel);

    // Round 1 alone: the four paraphrases of the issue are one decision.
    expect(sut.result.roundTallies[0]).toMatchObject({ outcome: 'unanimous', winningOption: 'Conditional Approve with P0/P1 fixes' });
    expect(sut.result.roundTallies[0].tally[0].variants.map((v: any) => v.option)).toEqual([
      'Conditional Approve with P0/P1 fixes',
      'Conditional approve with P1 fixes',
      'Conditional approve with P0 fix required',
      'Conditional approve with P1 blockers',
    ]);
    expect(sut.rounds[1].responses.map((r: any) => [r.vote.option, r.vote.ballotLabel, r.vote.writtenOption ?? null])).toEqual([
      ['Conditional Approve with P0/P1 fixes', 'A', 'A'],
      ['Conditional Approve with P0/P1 fixes', 'A', '(A)'],
      ['Conditional Approve with P0/P1 fixes', 'A', 'Option A'],
      ['Conditional approve with P1 blockers', 'A', null],
    ]);
    expect(sut.result).toMatchObject({ outcome: 'unanimous', winningOption: 'Conditional Approve with P0/P1 fixes' });
    expect(sut.result.tally[0].variants).toEqual([
      { option: 'Conditional Approve with P0/P1 fixes', participants: [0, 1, 2] },
      { option: 'Conditional approve with P1 blockers', participants: [3] },
    ]);
    const md: string = (await request(t.url).get(`/v1/deliberations/${sut.id}/transcript`).expect(200)).text;
    expect(md).toContain('**Vote:** Conditional Approve with P0/P1 fixes [ballot A, written "(A)"] (confidence 0.85, continue debate: no)');
  });

  it('should number the ballot when the question names its own Option A and Option B, so the two are never confused', async () => {
    const { t, panel } = await scenario({
      claude: ['Option B', 'Option A'],
      codex: ['Option B: managed Postgres', '2'],
      gemini: ['Option A', 'Option B'],
      deepseek: ['Option B', '1'],
    });
    const question = `${QUESTION}\nOption A: approve the refactor as one change. Option B: split it into three documents first.`;

    const sut = await deliberate(t, panel, question);

    expect(sut.result.ballot.map((e: any) => [e.label, e.option])).toEqual([
      ['1', 'Option B'],
      ['2', 'Option A'],
    ]);
    expect(panel.callsInRound('claude', 2)[0].prompt).toContain('1. Option B\n2. Option A');
    // "Option A" is the question's A (ballot entry 2), never ballot label A; "2" is ballot entry 2.
    expect(sut.rounds[1].responses.map((r: any) => [r.vote.option, r.vote.ballotLabel])).toEqual([
      ['Option A', '2'],
      ['Option A', '2'],
      ['Option B', '1'],
      ['Option B', '1'],
    ]);
    expect(sut.result).toMatchObject({ outcome: 'tie', winningOption: null });
  });

  it('should keep Approve and Do not approve apart, each with its own wordings', async () => {
    const { t, panel } = await scenario({
      claude: ['Approve', 'Approve'],
      codex: ['Approve — engine handles asymmetry', 'Approve — engine handles asymmetry'],
      gemini: ['Do not approve as written', 'Do not approve as written'],
      deepseek: ['Do not approve', 'Do not approve'],
    });

    const sut = await deliberate(t, panel);

    expect(sut.result).toMatchObject({ outcome: 'tie', winningOption: null });
    expect(sut.result.tally.map((e: any) => [e.option, e.participants, e.variants.map((v: any) => v.option)])).toEqual([
      ['Approve', [0, 1], ['Approve', 'Approve — engine handles asymmetry']],
      ['Do not approve as written', [2, 3], ['Do not approve as written', 'Do not approve']],
    ]);
    // Round 2 votes by exact ballot wording: each is recognised as its own entry.
    expect(sut.rounds[1].responses.map((r: any) => r.vote.ballotLabel)).toEqual(['A', 'A', 'B', 'B']);
  });
});
