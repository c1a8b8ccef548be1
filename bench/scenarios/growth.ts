import { figure, median, round, type Figure } from '../support/stats';
import { deliberate, startService } from '../support/service';

export interface Growth {
  participants: number;
  rounds: number;
  answerBytes: number;
  /** For each round number: from its start to the next round's start (the last: to the end of the run). */
  perRoundMs: Figure[];
  /** Median of the last three rounds ÷ median of rounds 2–4 (1.0 = flat; round 1 has no history). */
  growth: number;
}

const PARTICIPANTS = 4;
const ROUNDS = 10;
const ANSWER_BYTES = 2048;

/**
 * Scenario 5: per-round cost as the transcript grows. Each round re-sends every earlier answer, so the
 * prompts grow; Conclave's own work per round should not grow much with them. The context window is
 * large enough that the prompt builder never trims, so nothing hides the growth.
 */
export async function growth(providerUrl: string, runs: number): Promise<Growth> {
  const service = await startService(providerUrl, { participants: PARTICIPANTS, delayMs: 0, answerBytes: ANSWER_BYTES, contextTokens: 200_000 });
  try {
    await deliberate(service, PARTICIPANTS, ROUNDS);
    const byRound: number[][] = Array.from({ length: ROUNDS }, () => []);
    for (let run = 0; run < runs; run++) {
      const { view } = await deliberate(service, PARTICIPANTS, ROUNDS);
      const starts = view.rounds.map((r) => Date.parse(r.startedAt));
      const end = Date.parse(view.updatedAt);
      for (let r = 0; r < ROUNDS; r++) byRound[r].push((r + 1 < ROUNDS ? starts[r + 1] : end) - starts[r]);
    }
    const perRoundMs = byRound.map((samples) => figure(samples, 1));
    const medians = perRoundMs.map((f) => f.median);
    const early = median(medians.slice(1, 4));
    const late = median(medians.slice(-3));
    return { participants: PARTICIPANTS, rounds: ROUNDS, answerBytes: ANSWER_BYTES, perRoundMs, growth: round(late / Math.max(early, 0.1), 2) };
  } finally {
    await service.close();
  }
}
