import { figure, type Figure } from '../support/stats';
import { deliberate, startService } from '../support/service';

export interface OverheadAtDelay {
  participants: number;
  delayMs: number;
  rounds: number;
  /** Client wall time of the whole deliberation. */
  wallMs: Figure;
  /** The engine's own duration (result.durationMs): the rounds, without the HTTP request, storage of the request and the final view. */
  engineMs: Figure;
  /** wall ÷ (rounds × delay): 1.00 is the physical limit. */
  ratio: Figure;
}

export interface OverheadAtZero {
  participants: number;
  rounds: number;
  /** Client wall time ÷ rounds with providers that answer at once: everything Conclave adds per round. */
  perRoundMs: Figure;
  /** The engine's duration ÷ rounds: the same without the request's fixed costs. */
  enginePerRoundMs: Figure;
}

const ROUNDS = 3;

/** Scenario 1: how far a deliberation's wall time is above the slowest answers' sum. */
export async function overheadAtDelay(providerUrl: string, participants: number, delayMs: number, runs: number): Promise<OverheadAtDelay> {
  const service = await startService(providerUrl, { participants, delayMs });
  try {
    await deliberate(service, participants, ROUNDS); // warm-up: JIT, prepared statements, connections
    const walls: number[] = [];
    const engine: number[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await deliberate(service, participants, ROUNDS);
      walls.push(run.wallMs);
      engine.push(run.view.result!.durationMs);
    }
    return {
      participants,
      delayMs,
      rounds: ROUNDS,
      wallMs: figure(walls, 1),
      engineMs: figure(engine, 0),
      ratio: figure(
        walls.map((w) => w / (ROUNDS * delayMs)),
        3,
      ),
    };
  } finally {
    await service.close();
  }
}

export async function overheadAtZero(providerUrl: string, participants: number, runs: number): Promise<OverheadAtZero> {
  const service = await startService(providerUrl, { participants, delayMs: 0 });
  try {
    for (let i = 0; i < 5; i++) await deliberate(service, participants, ROUNDS);
    const perRound: number[] = [];
    const enginePerRound: number[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await deliberate(service, participants, ROUNDS);
      perRound.push(run.wallMs / ROUNDS);
      enginePerRound.push(run.view.result!.durationMs / ROUNDS);
    }
    return { participants, rounds: ROUNDS, perRoundMs: figure(perRound, 2), enginePerRoundMs: figure(enginePerRound, 2) };
  } finally {
    await service.close();
  }
}
