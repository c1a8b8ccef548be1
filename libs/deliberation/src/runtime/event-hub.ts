import { Injectable } from '@nestjs/common';
import { Observable, ReplaySubject } from 'rxjs';
import { responseReceivedFromView, type DeliberationEvent, type DeliberationEventData, type DeliberationEventType } from '../deliberation-events';
import type { DeliberationView } from '../deliberation.view';

/** An event before the hub numbers it. */
type UnnumberedEvent = DeliberationEvent extends infer E ? (E extends DeliberationEvent ? Omit<E, 'seq'> : never) : never;

export const TERMINAL_EVENTS: ReadonlySet<DeliberationEventType> = new Set(['completed', 'failed', 'cancelled', 'paused', 'interrupted']);

/**
 * The story of a deliberation told from its stored state: what a subscriber gets when no run of it is
 * live in this process (it finished earlier, or before a restart), and the seed of a run that resumes.
 */
export function eventsFromView(view: DeliberationView, includeTerminal: boolean): UnnumberedEvent[] {
  const at = view.createdAt;
  const events: UnnumberedEvent[] = [
    {
      type: 'deliberation_started',
      deliberationId: view.id,
      at,
      data: { question: view.question, participants: view.participants, mode: view.mode, maxRounds: view.maxRounds },
    },
  ];
  // Fixed when the request was accepted, so the live stream and a replay tell the same.
  if (view.memory && view.memory.decisions.length > 0) {
    const { mode, decisions, reusedFrom } = view.memory;
    events.push({ type: 'memory_used', deliberationId: view.id, at, data: { mode, decisions, ...(reusedFrom ? { reusedFrom } : {}) } });
  }
  for (const round of view.rounds) {
    events.push({ type: 'round_started', deliberationId: view.id, at: round.startedAt, data: { round: round.number, replayed: true } });
    for (const r of round.responses) {
      events.push({
        type: 'response_received',
        deliberationId: view.id,
        at: round.startedAt,
        data: { ...responseReceivedFromView(round.number, r), replayed: true },
      });
    }
    if (round.completedAt) {
      events.push({
        type: 'round_completed',
        deliberationId: view.id,
        at: round.completedAt,
        data: { round: round.number, convergence: round.convergence, replayed: true },
      });
    }
  }
  if (includeTerminal) {
    const terminal = terminalEvent(view);
    if (terminal) events.push(terminal);
  }
  return events;
}

export function terminalEvent(view: DeliberationView): UnnumberedEvent | null {
  const base = { deliberationId: view.id, at: view.updatedAt };
  switch (view.status) {
    case 'completed':
      return { ...base, type: 'completed', data: { result: view.result } };
    case 'failed':
      return { ...base, type: 'failed', data: { reason: view.failure, result: view.result } };
    case 'cancelled':
      return { ...base, type: 'cancelled', data: { result: view.result } };
    case 'paused':
      return { ...base, type: 'paused', data: { pause: view.pause, latestCheckpointId: view.latestCheckpointId } };
    case 'interrupted':
      return { ...base, type: 'interrupted', data: { latestCheckpointId: view.latestCheckpointId } };
    default:
      return null;
  }
}

interface LiveStream {
  seq: number;
  subject: ReplaySubject<DeliberationEvent>;
}

/** Live event streams of the runs in this process. A late subscriber is replayed the whole story first. */
@Injectable()
export class EventHub {
  private readonly streams = new Map<string, LiveStream>();

  /** Opens (or re-opens, on resume) the live stream of a run, seeded with what already happened. */
  open(id: string, seed: UnnumberedEvent[]): void {
    this.streams.get(id)?.subject.complete();
    const stream: LiveStream = { seq: 0, subject: new ReplaySubject<DeliberationEvent>() };
    this.streams.set(id, stream);
    for (const event of seed) stream.subject.next({ ...event, seq: ++stream.seq } as DeliberationEvent);
  }

  emit<K extends DeliberationEventType>(id: string, type: K, data: DeliberationEventData[K], at: Date): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.subject.next({ seq: ++stream.seq, type, deliberationId: id, at: at.toISOString(), data } as DeliberationEvent);
    if (TERMINAL_EVENTS.has(type)) {
      stream.subject.complete();
      this.streams.delete(id);
    }
  }

  /** The live stream with its history, or null when no run of this deliberation is live here. */
  live(id: string): Observable<DeliberationEvent> | null {
    return this.streams.get(id)?.subject.asObservable() ?? null;
  }

  closeAll(): void {
    for (const stream of this.streams.values()) stream.subject.complete();
    this.streams.clear();
  }
}
