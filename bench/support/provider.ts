import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchProvider {
  /** OpenAI-style base URL (ends in /v1). */
  baseUrl: string;
  close(): Promise<void>;
}

/** The model name the benchmark provider reads its behaviour from (see provider-process.ts). */
export function benchModel(participant: number, delayMs: number, answerBytes: number): string {
  return `bench-p${participant}-d${delayMs}-s${answerBytes}`;
}

/** Starts the loopback provider in a child process and resolves once it listens. */
export function startProvider(): Promise<BenchProvider> {
  const child: ChildProcess = fork(join(__dirname, 'provider-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench provider exited early (code ${code})`)));
    child.once('message', (message: { port: number }) => {
      resolve({
        baseUrl: `http://127.0.0.1:${message.port}/v1`,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
  });
}
