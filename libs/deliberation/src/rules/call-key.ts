/**
 * A provider call's idempotency key: (deliberation, round, participant, attempt). The same logical call
 * asked again after a crash (nothing was recorded) carries the same key, so a provider that honours
 * `Idempotency-Key` answers it once, and the ledger records it once; a re-ask after a recorded failure is
 * the next attempt. The vote-only retry of an answer is a call of its own.
 */
export function callKey(deliberationId: string, round: number, participantIndex: number, attempt: number): string {
  return `${deliberationId}:${round}:${participantIndex}:${attempt}`;
}

export function voteRetryKey(answerKey: string): string {
  return `${answerKey}:vote`;
}

/** The attempt a participant's next call of the round is: one more than the calls already recorded for it. */
export function nextAttempt(recorded: Readonly<Record<number, number>> | undefined, participantIndex: number): number {
  return (recorded?.[participantIndex] ?? 0) + 1;
}
