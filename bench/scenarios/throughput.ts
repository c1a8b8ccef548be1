import { performance } from 'node:perf_hooks';
import { figure, percentile, type Figure } from '../support/stats';
import { deliberate, startService } from '../support/service';

export interface Throughput {
  inFlight: number;
  completed: number;
  deliberationsPerSec: Figure;
  p50Ms: Figure;
  p95Ms: Figure;
  /**
   * Resident memory of the bench process (service, client and everything before it: tiktoken's WASM
   * memory, for one, never shrinks) when the run ends; heapUsedMb is the JavaScript heap alone.
   */
  rssMb: Figure;
  heapUsedMb: Figure;
}

const PARTICIPANTS = 3;
const ROUNDS = 3;

/**
 * Scenario 2: N clients, each starting a new deliberation as soon as its previous one finished, so N
 * are always in flight. A fresh service per run keeps runs independent.
 */
export async function throughput(providerUrl: string, inFlight: number, total: number, runs: number): Promise<Throughput> {
  const rates: number[] = [];
  const p50: number[] = [];
  const p95: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  for (let run = 0; run < runs; run++) {
    const service = await startService(providerUrl, { participants: PARTICIPANTS, delayMs: 0, maxRunning: Math.max(32, inFlight) });
    try {
      await Promise.all(Array.from({ length: Math.min(inFlight, 8) }, () => deliberate(service, PARTICIPANTS, ROUNDS)));
      const times: number[] = [];
      let started = 0;
      const worker = async () => {
        while (started < total) {
          started++;
          times.push((await deliberate(service, PARTICIPANTS, ROUNDS)).wallMs);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: inFlight }, worker));
      const elapsed = performance.now() - t0;
      rates.push(total / (elapsed / 1000));
      p50.push(percentile(times, 50));
      p95.push(percentile(times, 95));
      const memory = process.memoryUsage();
      rss.push(memory.rss / 1024 / 1024);
      heap.push(memory.heapUsed / 1024 / 1024);
    } finally {
      await service.close();
    }
  }
  return {
    inFlight,
    completed: total,
    deliberationsPerSec: figure(rates, 1),
    p50Ms: figure(p50, 1),
    p95Ms: figure(p95, 1),
    rssMb: figure(rss, 0),
    heapUsedMb: figure(heap, 0),
  };
}
