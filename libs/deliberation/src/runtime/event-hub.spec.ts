import { firstValueFrom, toArray } from 'rxjs';
import { EventHub } from './event-hub';

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
});
