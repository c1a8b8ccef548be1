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

/** An event as it travels between processes of a cluster (the hub numbers it where it is told). */
export interface RelayedEvent {
  id: string;
  type: DeliberationEventType;
  data: unknown;
  at: string;
}

/**
 * What an event tells of the stored story, so one already replayed from the stored view is not told
 * twice when it also arrives live; null for the events the view does not hold (warnings, tiers...).
 */
export function storyKey(event: { type: DeliberationEventType; data: unknown }): string | null {
  const data = event.data as { round?: number; participantIndex?: number; error?: unknown };
  switch (event.type) {
    case 'deliberation_started':
    case 'memory_used':
      return event.type;
    case 'round_started':
    case 'round_completed':
      return `${event.type}:${data.round}`;
    case 'response_received':
      return `${event.type}:${data.round}:${data.participantIndex}:${data.error ? 'error' : 'answer'}`;
    default:
      return TERMINAL_EVENTS.has(event.type) ? 'terminal' : null;
  }
}

interface LiveStream {
  seq: number;
  subject: ReplaySubject<DeliberationEvent>;
  /** Followed from a cluster: events that arrive while the stored story is read, and the keys it told. */
  pending?: RelayedEvent[];
  told?: Set<string>;
}

/**
 * Live event streams. A late subscriber is replayed the whole story first.
 *
 * In one process the runs emit here directly. In a cluster (`relay`), every emit goes out to every
 * process (Redis pub/sub) and comes back through `receive`; an SSE subscriber `follow`s a deliberation:
 * its stream is seeded from the stored view, then takes the relayed events the view did not hold yet.
 */
@Injectable()
export class EventHub {
  private readonly streams = new Map<string, LiveStream>();
  private publish: ((event: RelayedEvent) => void) | null = null;

  /** A cluster's processes: every event is published, and only `follow`ed streams exist here. */
  relay(publish: (event: RelayedEvent) => void): void {
    this.publish = publish;
  }

  get relayed(): boolean {
    return this.publish !== null;
  }

  /** Opens (or re-opens, on resume) the live stream of a run, seeded with what already happened. In a cluster: nothing (see follow). */
  open(id: string, seed: UnnumberedEvent[]): void {
    if (this.publish) return;
    this.streams.get(id)?.subject.complete();
    const stream: LiveStream = { seq: 0, subject: new ReplaySubject<DeliberationEvent>() };
    this.streams.set(id, stream);
    for (const event of seed) this.push(id, stream, event);
  }

  emit<K extends DeliberationEventType>(id: string, type: K, data: DeliberationEventData[K], at: Date): void {
    if (this.publish) return this.publish({ id, type, data, at: at.toISOString() });
    const stream = this.streams.get(id);
    if (stream) this.push(id, stream, { type, deliberationId: id, at: at.toISOString(), data } as UnnumberedEvent);
  }

  /**
   * A cluster's stream of one deliberation for this process's subscribers: `story` reads the stored view
   * (after the stream starts taking relayed events, so nothing falls between the two). A story that is
   * already over ends the stream.
   */
  follow(id: string, story: () => Promise<DeliberationView | null>): Observable<DeliberationEvent> {
    const existing = this.streams.get(id);
    if (existing) return existing.subject.asObservable();
    const stream: LiveStream = { seq: 0, subject: new ReplaySubject<DeliberationEvent>(), pending: [], told: new Set() };
    this.streams.set(id, stream);
    void this.seed(id, stream, story);
    return stream.subject.asObservable();
  }

  /** An event relayed from any process of the cluster (this one's included). */
  receive(event: RelayedEvent): void {
    const stream = this.streams.get(event.id);
    if (!stream) return;
    if (stream.pending) stream.pending.push(event);
    else this.take(stream, event);
  }

  /** The live stream with its history, or null when no run of this deliberation is live here. */
  live(id: string): Observable<DeliberationEvent> | null {
    return this.streams.get(id)?.subject.asObservable() ?? null;
  }

  closeAll(): void {
    for (const stream of this.streams.values()) stream.subject.complete();
    this.streams.clear();
  }

  private async seed(id: string, stream: LiveStream, story: () => Promise<DeliberationView | null>): Promise<void> {
    try {
      const view = await story();
      for (const event of view ? eventsFromView(view, true) : []) {
        const key = storyKey(event);
        if (key) stream.told!.add(key);
        this.push(id, stream, event);
      }
      const pending = stream.pending!;
      stream.pending = undefined;
      for (const event of pending) this.take(stream, event);
    } catch (e) {
      // A subscriber must not wait forever on a story that could not be read.
      stream.subject.error(e);
      if (this.streams.get(id) === stream) this.streams.delete(id);
    }
  }

  private take(stream: LiveStream, event: RelayedEvent): void {
    if (this.streams.get(event.id) !== stream) return;
    const key = storyKey(event);
    if (key && stream.told?.has(key)) return;
    this.push(event.id, stream, { type: event.type, deliberationId: event.id, at: event.at, data: event.data } as UnnumberedEvent);
  }

  private push(id: string, stream: LiveStream, event: UnnumberedEvent): void {
    stream.subject.next({ ...event, seq: ++stream.seq } as DeliberationEvent);
    if (TERMINAL_EVENTS.has(event.type)) {
      stream.subject.complete();
      if (this.streams.get(id) === stream) this.streams.delete(id);
    }
  }
}
