import type { DeliberationResult, ParticipantSpec, StopReason, Vote } from '../deliberation.types';
import { summarizePositions, tallyVotes } from '../rules';
import type { EngineState, RoundState } from '../state/engine-state';

/** Each participant's latest valid vote across the rounds, in participant order. */
export function finalVotes(rounds: RoundState[], participants: ParticipantSpec[]): Array<{ participantIndex: number; vote: Vote | null }> {
  return participants.map((p) => {
    for (let r = rounds.length - 1; r >= 0; r--) {
      const response = rounds[r].responses.find((x) => x.participantIndex === p.index);
      if (response?.vote) return { participantIndex: p.index, vote: response.vote };
    }
    return { participantIndex: p.index, vote: null };
  });
}

/**
 * The result of a deliberation from its rounds so far: the tally of final positions (each
 * participant's latest valid vote), per-round tallies, failures, scores and a summary.
 * `group` merges options that mean the same (the convergence backend's similarity).
 */
export function buildResult(
  state: EngineState,
  stopReason: StopReason,
  durationMs: number,
  group: (options: string[]) => Map<string, string>,
): DeliberationResult {
  const participants = state.request.participants;
  const finals = finalVotes(state.rounds, participants);
  const grouping = group(finals.flatMap((f) => (f.vote ? [f.vote.option] : [])));
  const { tally, abstained, outcome, winningOption } = tallyVotes(finals, grouping);
  const failures = state.rounds.flatMap((r) =>
    r.responses.filter((x) => x.error).map((x) => ({ round: r.number, participantIndex: x.participantIndex, kind: x.error!.kind })),
  );
  const summary = summarizePositions(
    participants.map((p) => {
      const latest = [...state.rounds]
        .reverse()
        .flatMap((r) => r.responses)
        .find((x) => x.participantIndex === p.index && !x.error);
      return {
        participantIndex: p.index,
        adapter: latest?.adapter ?? p.adapter,
        model: latest?.model ?? p.model ?? '',
        text: latest?.text ?? '',
        vote: finals.find((f) => f.participantIndex === p.index)?.vote ?? null,
      };
    }),
  );
  return {
    outcome,
    winningOption,
    tally,
    abstained,
    stopReason,
    roundsUsed: state.rounds.length,
    durationMs: Math.round(durationMs),
    summary,
    degraded: failures.length > 0,
    failures,
    ...(state.ballot && state.ballot.entries.length > 0
      ? { ballot: state.ballot.entries.map((entry) => ({ ...entry, variants: entry.variants.map((v) => ({ ...v })) })) }
      : {}),
    roundScores: state.rounds.map((r) => ({ round: r.number, score: r.convergence?.score ?? null, status: r.convergence?.status ?? null })),
    roundTallies: state.rounds.map((r) => {
      // Each round counted on its own: a participant without a valid vote that round abstains in it.
      const votes = participants.map((p) => ({ participantIndex: p.index, vote: r.responses.find((x) => x.participantIndex === p.index)?.vote ?? null }));
      const roundGrouping = group(votes.flatMap((v) => (v.vote ? [v.vote.option] : [])));
      return { round: r.number, ...tallyVotes(votes, roundGrouping) };
    }),
  };
}
