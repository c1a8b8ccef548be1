import { firstValueFrom, toArray } from 'rxjs';
import type { DeliberationView } from '../deliberation.view';
import { EventHub, storyKey, type RelayedEvent } from './event-hub';

describe(EventHub.name, () => {
  const at = new Date('2026-01-01T00:00:00Z');

  it('should replay the whole story to a late subscriber and end the stream at a terminal event', async () => {
    const sut = new EventHub();
    sut.open('d1', [
      { type: 'deliberation_started', deliberationId: 'd1', at: at.toISOString(), data: { question: 'q', participants: [], mode: 'conference', maxRounds: 3 } },
    ]);
    sut.emit('d1', 'round_started', { round: 1 }, at);
    const late = sut.live('d1')!;
    const all = firstValueFrom(late.pipe(toArray()));
    sut.emit('d1', 'completed', { result: null }, at);
    const events = await all;
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'deliberation_started'],
      [2, 'round_started'],
      [3, 'completed'],
    ]);
    expect(sut.live('d1')).toBeNull();
  });

  it('should keep the streams of different deliberations apart', async () => {
    const sut = new EventHub();
    sut.open('a', []);
    sut.open('b', []);
    sut.emit('a', 'round_started', { round: 1 }, at);
    sut.emit('b', 'failed', { reason: 'test', result: null }, at);
    sut.emit('a', 'cancelled', {}, at);
    expect(sut.live('a')).toBeNull();
    sut.open('a', []);
    const a = firstValueFrom(sut.live('a')!.pipe(toArray()));
    sut.emit('a', 'completed', { result: null }, at);
    expect((await a).map((e) => e.type)).toEqual(['completed']);
  });

  describe('in a cluster (relayed)', () => {
    const relayed = (type: RelayedEvent['type'], data: unknown): RelayedEvent => ({ id: 'd1', type, data, at: at.toISOString() });
    /** A running deliberation whose round 1 has one stored answer (participant 0). */
    const view = {
      id: 'd1',
      status: 'running',
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      question: 'q',
      participants: [],
      mode: 'conference',
      maxRounds: 3,
      memory: null,
      rounds: [
        {
          number: 1,
          startedAt: at.toISOString(),
          completedAt: null,
          convergence: null,
          responses: [
            { participantIndex: 0, adapter: 'a', model: 'm', vote: null, voteError: null, error: null, latencyMs: 5, costUsd: null, tokens: { total: 10 } },
          ],
        },
      ],
    } as unknown as DeliberationView;

    it('should publish what is emitted instead of telling it here, and open no stream of its own', () => {
      const sut = new EventHub();
      const published: RelayedEvent[] = [];
      sut.relay((e) => published.push(e));
      sut.open('d1', []);
      sut.emit('d1', 'round_started', { round: 1 }, at);
      expect(published).toEqual([relayed('round_started', { round: 1 })]);
      expect(sut.live('d1')).toBeNull();
    });

    it('should seed a followed stream from the stored view, take the events that arrived meanwhile, and drop those the view already told', async () => {
      const sut = new EventHub();
      sut.relay(() => undefined);
      let tell!: (v: DeliberationView) => void;
      const stream = sut.follow('d1', () => new Promise((resolve) => (tell = resolve)));
      const all = firstValueFrom(stream.pipe(toArray()));
      // While the view is read: an answer the view will hold, and one it will not.
      sut.receive(relayed('response_received', { round: 1, participantIndex: 0, error: null }));
      sut.receive(relayed('response_received', { round: 1, participantIndex: 1, error: null }));
      tell(view);
      await new Promise((r) => setImmediate(r));
      sut.receive(relayed('round_completed', { round: 1, convergence: null }));
      sut.receive({ ...relayed('round_started', { round: 2 }), id: 'other' });
      sut.receive(relayed('completed', { result: null }));
      const events = await all;
      expect(events.map((e) => [e.seq, e.type, (e.data as { participantIndex?: number }).participantIndex])).toEqual([
        [1, 'deliberation_started', undefined],
        [2, 'round_started', undefined],
        [3, 'response_received', 0],
        [4, 'response_received', 1],
        [5, 'round_completed', undefined],
        [6, 'completed', undefined],
      ]);
      expect(sut.live('d1')).toBeNull();
    });

    it('should end a followed stream at once when the stored story is already over', async () => {
      const sut = new EventHub();
      sut.relay(() => undefined);
      const events = await firstValueFrom(
        sut.follow('d1', () => Promise.resolve({ ...view, status: 'cancelled', result: null } as DeliberationView)).pipe(toArray()),
      );
      expect(events.map((e) => e.type).at(-1)).toBe('cancelled');
    });
  });

  it.each([
    ['round_started', { round: 2 }, 'round_started:2'],
    ['response_received', { round: 2, participantIndex: 1, error: null }, 'response_received:2:1:answer'],
    ['response_received', { round: 2, participantIndex: 1, error: { kind: 'timeout' } }, 'response_received:2:1:error'],
    ['paused', {}, 'terminal'],
    ['budget_warning', { round: 2 }, null],
  ] as const)('should key a %s event by what the stored view tells of it', (type, data, key) => {
    expect(storyKey({ type, data })).toBe(key);
  });
});
