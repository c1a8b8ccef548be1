import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, MAIN, startService, stopAllServices } from './support/child-service';

/**
 * The built service (dist/apps/api/src/main.js) started as a child process on a database it cannot use:
 * it must exit non-zero within seconds with one line naming the file and the cause (not retry for half a
 * minute, print nothing, or print a stack). And one SQLite file serves one process: a second is refused,
 * naming the first one's pid.
 */

/** Well below the 29–75 s the retry loop took, with room for a busy machine loading Nest. */
const FAST_EXIT_MS = 15_000;
const NOBODY = 65534;

interface Exit {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs the service until it exits (SIGKILL after 60 s, which fails the test). */
async function runToExit(dbPath: string, options: { cwd?: string; uid?: number } = {}): Promise<Exit> {
  const started = Date.now();
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: options.cwd,
    // No CONCLAVE_CONFIG: built-in defaults (the cwd holds no conclave.yaml). Log level info, so anything
    // the service prints is seen.
    env: { ...process.env, CONCLAVE_CONFIG: '', CONCLAVE_DB: dbPath, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(timer);
  return { code, output, ms: Date.now() - started };
}

function expectOneLineFailure(exit: Exit, dbPath: string, cause: RegExp): void {
  expect(exit.code).not.toBe(0);
  expect(exit.code).not.toBeNull();
  expect(exit.ms).toBeLessThan(FAST_EXIT_MS);
  const lines = exit.output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`database ${dbPath}: `);
  expect(lines[0]).toMatch(cause);
  expect(exit.output).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('database at start-up (e2e, built service)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-dbstart-'));
  });
  afterEach(async () => {
    await stopAllServices();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should exit at once naming the file when it is not a SQLite database', async () => {
    const dbPath = join(dir, 'conclave.sqlite');
    writeFileSync(dbPath, Buffer.alloc(64 * 1024, 'garbage '));
    const exit = await runToExit(dbPath, { cwd: dir });
    expectOneLineFailure(exit, dbPath, /not a SQLite database/);
    expect(existsSync(`${dbPath}.lock`)).toBe(false);
  }, 60_000);

  it('should exit within seconds naming the file when another process keeps it locked', async () => {
    const dbPath = join(dir, 'conclave.sqlite');
    const holder = new Database(dbPath);
    try {
      holder.exec('CREATE TABLE t (x INTEGER)');
      holder.exec('BEGIN EXCLUSIVE');
      holder.exec('INSERT INTO t VALUES (1)');
      const exit = await runToExit(dbPath, { cwd: dir });
      expectOneLineFailure(exit, dbPath, /locked by another process/);
    } finally {
      holder.close();
    }
  }, 60_000);

  it('should exit at once naming the file when its folder is read-only', async () => {
    const folder = join(dir, 'ro');
    mkdirSync(folder);
    chmodSync(dir, 0o755);
    chmodSync(folder, 0o555);
    const dbPath = join(folder, 'conclave.sqlite');
    // Root ignores permission bits: the service then runs as nobody, for whom the folder is read-only.
    const uid = process.getuid?.() === 0 ? NOBODY : undefined;
    const exit = await runToExit(dbPath, { cwd: folder, uid });
    expectOneLineFailure(exit, dbPath, /cannot create the lock file .*EACCES.*folder must be writable/);
  }, 60_000);

  it('should exit at once naming the file when the path is a folder', async () => {
    const dbPath = join(dir, 'conclave.sqlite');
    mkdirSync(dbPath);
    const exit = await runToExit(dbPath, { cwd: dir });
    expectOneLineFailure(exit, dbPath, /cannot be opened/);
  }, 60_000);

  describe('one process per file', () => {
    const config = () => {
      const path = join(dir, 'conclave.yaml');
      writeFileSync(path, '{}');
      return path;
    };

    it('should refuse a second service on the same file, naming the first one’s pid, and leave the first serving', async () => {
      const dbPath = join(dir, 'conclave.sqlite');
      const first = await startService({ configPath: config(), dbPath });
      expect(readFileSync(`${dbPath}.lock`, 'utf8').trim()).toBe(String(first.pid));

      const second = await runToExit(dbPath, { cwd: dir });
      expectOneLineFailure(second, dbPath, new RegExp(`in use by process ${first.pid}\\b`));

      expect((await fetch(`${first.url}/health`)).status).toBe(200);
      expect(readFileSync(`${dbPath}.lock`, 'utf8').trim()).toBe(String(first.pid));
    }, 60_000);

    it('should create the folder of the file (and so of its lock) on a first start', async () => {
      const dbPath = join(dir, 'data', 'nested', 'conclave.sqlite');
      const svc = await startService({ configPath: config(), dbPath });
      expect(readFileSync(`${dbPath}.lock`, 'utf8').trim()).toBe(String(svc.pid));
      expect(existsSync(dbPath)).toBe(true);
    }, 60_000);

    it('should release the lock on shutdown, so the next service starts', async () => {
      const dbPath = join(dir, 'conclave.sqlite');
      const first = await startService({ configPath: config(), dbPath });
      expect((await first.stop('SIGTERM')).code).toBe(0);
      expect(existsSync(`${dbPath}.lock`)).toBe(false);

      const next = await startService({ configPath: config(), dbPath });
      expect(readFileSync(`${dbPath}.lock`, 'utf8').trim()).toBe(String(next.pid));
    }, 60_000);

    it('should take over the lock of a process that died (kill -9)', async () => {
      const dbPath = join(dir, 'conclave.sqlite');
      const first = await startService({ configPath: config(), dbPath });
      await first.stop('SIGKILL');
      expect(readFileSync(`${dbPath}.lock`, 'utf8').trim()).toBe(String(first.pid));

      const next = await startService({ configPath: config(), dbPath });
      expect(readFileSync(`${dbPath}.lock`, 'utf8').trim()).toBe(String(next.pid));
    }, 60_000);
  });
});
