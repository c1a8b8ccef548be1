import { Clock, configSchema } from '@app/config';
import { unavailableUsage } from '@app/tokens';
import { AdapterError } from '../adapter.types';
import { CircuitBreakers } from './circuit-breakers.service';

class MovableClock extends Clock {
  at = Date.parse('2026-12-03T10:00:00.000Z');
  override now(): Date {
    return new Date(this.at);
  }
}

const usage = unavailableUsage({ adapter: 'a', provider: 'openai', model: 'm' });
const fail = (kind: AdapterError['kind'], status?: number) => () => Promise.reject(new AdapterError(kind, kind, usage, { status }));
const ok = () => Promise.resolve('answer');
const refused = () => new Error('refused');

describe(CircuitBreakers.name, () => {
  let clock: MovableClock;
  let sut: CircuitBreakers;

  beforeEach(() => {
    clock = new MovableClock();
    sut = new CircuitBreakers(configSchema.parse({ circuitBreaker: { failureThreshold: 2, coolDownMs: 1000 } }), clock);
  });

  it('should open after the threshold of transport failures, refuse without calling, and show when it reopens', async () => {
    await expect(sut.guard('a', fail('timeout'), refused)).rejects.toBeInstanceOf(AdapterError);
    expect(sut.view('a')).toEqual({ state: 'closed', consecutiveFailures: 1, openedAt: null, reopensAt: null });
    await expect(sut.guard('a', fail('http_status', 503), refused)).rejects.toBeInstanceOf(AdapterError);
    expect(sut.view('a')).toEqual({ state: 'open', consecutiveFailures: 2, openedAt: '2026-12-03T10:00:00.000Z', reopensAt: '2026-12-03T10:00:01.000Z' });

    let called = false;
    await expect(sut.guard('a', () => ((called = true), ok()), refused)).rejects.toThrow('refused');
    expect(called).toBe(false);
    expect(sut.state('b')).toBe('closed');
  });

  it('should let one trial through after the cool-down and close on its success', async () => {
    await sut.guard('a', fail('timeout'), refused).catch(() => undefined);
    await sut.guard('a', fail('timeout'), refused).catch(() => undefined);
    clock.at += 1000;
    expect(sut.state('a')).toBe('half_open');
    await expect(sut.guard('a', ok, refused)).resolves.toBe('answer');
    expect(sut.view('a')).toEqual({ state: 'closed', consecutiveFailures: 0, openedAt: null, reopensAt: null });
  });

  it('should not count answers that say nothing of the transport, nor errors that are not adapter errors', async () => {
    await sut.guard('a', fail('timeout'), refused).catch(() => undefined);
    await sut.guard('a', fail('cancelled'), refused).catch(() => undefined);
    await sut.guard('a', () => Promise.reject(new Error('bug')), refused).catch(() => undefined);
    expect(sut.view('a').consecutiveFailures).toBe(1);
    // A 429 is a provider that answered: the run of failures ends.
    await sut.guard('a', fail('rate_limited', 429), refused).catch(() => undefined);
    expect(sut.view('a').consecutiveFailures).toBe(0);
  });
});
