import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/**
 * The real built service (dist/apps/api/src/main.js) in a child process, started the way users start it:
 * CONCLAVE_CONFIG, CONCLAVE_DB, PORT and LOG_LEVEL in the environment. `npm test` builds dist first;
 * while developing, run `npx nest build api` yourself.
 *
 *   const svc = await startService({ configPath, dbPath });   // resolves once /health answers 200
 *   ...
 *   afterEach(() => stopAllServices());                        // SIGKILLs whatever is still running
 */

export const MAIN = resolve(__dirname, '../../dist/apps/api/src/main.js');

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildService {
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<ServiceExit>;
  /** Sends a signal; resolves when the process has exited (SIGKILL after `graceMs` if it has not). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ServiceExit>;
}

const running = new Set<ChildProcess>();
// Should the test process itself end abruptly, no service outlives it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface StartOptions {
  configPath: string;
  dbPath: string;
  env?: Record<string, string>;
  /** How long to wait for /health (default 20 s). */
  readyTimeoutMs?: number;
}

export async function startService(options: StartOptions): Promise<ChildService> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      CONCLAVE_CONFIG: options.configPath,
      CONCLAVE_DB: options.dbPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<ServiceExit>((done) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<ServiceExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  let gone: ServiceExit | null = null;
  void exited.then((e) => (gone = e));
  for (;;) {
    if (gone) throw new Error(`the service exited before it was ready (${JSON.stringify(gone)}):\n${output}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`the service did not answer /health within the deadline:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, pid: child.pid!, output: () => output, exited, stop };
}

/** Kills every service still running (for afterEach: also after a failed test), and waits for them to exit. */
export async function stopAllServices(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
}
