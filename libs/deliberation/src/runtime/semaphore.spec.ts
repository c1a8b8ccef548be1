import { Semaphore } from './semaphore';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(Semaphore.name, () => {
  it('should never run more tasks at once than its limit, and run the rest in arrival order', async () => {
    const sut = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates = [0, 1, 2, 3, 4].map(() => deferred());
    const runs = gates.map((gate, i) =>
      sut.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        order.push(i);
        await gate.promise;
        active -= 1;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    gates.forEach((g) => g.resolve());
    await Promise.all(runs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('should give up waiting when the signal aborts, without taking a slot', async () => {
    const sut = new Semaphore(1);
    const gate = deferred();
    const first = sut.run(() => gate.promise);
    const controller = new AbortController();
    const task = jest.fn(async () => undefined);
    const waiting = sut.run(task, controller.signal);
    controller.abort('cancelled');
    await expect(waiting).rejects.toThrow();
    gate.resolve();
    await first;
    expect(task).not.toHaveBeenCalled();
    await expect(sut.run(async () => 'free')).resolves.toBe('free');
  });
});
