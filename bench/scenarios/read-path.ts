import { execFile } from 'node:child_process';
import { figure, type Figure } from '../support/stats';
import { deliberate, startService } from '../support/service';

export interface ReadPath {
  connections: number;
  durationSec: number;
  /** Deliberations that kept running in the background during each load run. */
  backgroundInFlight: number;
  backgroundCompleted: Figure;
  requestsPerSec: Figure;
  p50Ms: Figure;
  p99Ms: Figure;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** autocannon in its own process (its CLI), so the load generator does not share the service's event loop. */
function autocannon(url: string, connections: number, durationSec: number): Promise<AutocannonResult> {
  const cli = require.resolve('autocannon/autocannon.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, '-c', String(connections), '-d', String(durationSec), '-j', url],
      { maxBuffer: 64 * 1024 * 1024, timeout: (durationSec + 30) * 1000 },
      (error, stdout) => {
        if (error) return reject(error);
        try {
          resolve(JSON.parse(stdout) as AutocannonResult);
        } catch (e) {
          reject(new Error(`autocannon output is not JSON: ${(e as Error).message}: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}

const PARTICIPANTS = 3;

/** Scenario 3: GET /v1/deliberations/:id/tokens under load while deliberations keep running. */
export async function readPath(providerUrl: string, runs: number, connections = 50, durationSec = 10, backgroundInFlight = 4): Promise<ReadPath> {
  const service = await startService(providerUrl, { participants: PARTICIPANTS, delayMs: 20 });
  const rps: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  const background: number[] = [];
  try {
    const target = await deliberate(service, PARTICIPANTS, 3);
    const url = `${service.url}/v1/deliberations/${target.id}/tokens`;
    for (let run = 0; run < runs; run++) {
      let stop = false;
      let completed = 0;
      const loop = async () => {
        while (!stop) {
          await deliberate(service, PARTICIPANTS, 3);
          completed++;
        }
      };
      const loops = Array.from({ length: backgroundInFlight }, loop);
      const result = await autocannon(url, connections, durationSec).finally(() => {
        stop = true;
      });
      await Promise.all(loops);
      if (result.errors || result.timeouts || result.non2xx) {
        throw new Error(`the read path failed under load: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
      }
      rps.push(result.requests.average);
      p50.push(result.latency.p50);
      p99.push(result.latency.p99);
      background.push(completed);
    }
  } finally {
    await service.close();
  }
  return {
    connections,
    durationSec,
    backgroundInFlight,
    backgroundCompleted: figure(background, 0),
    requestsPerSec: figure(rps, 0),
    p50Ms: figure(p50, 1),
    p99Ms: figure(p99, 1),
  };
}
