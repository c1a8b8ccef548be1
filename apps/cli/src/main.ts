#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ApiClient, ApiError } from './api-client';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import { buildProgram, type GlobalOptions, type Runner } from './program';
import { Terminal } from './terminal';

/**
 * `conclave`: ask several models to deliberate, follow them, resume, and check what it cost, from a
 * terminal. It talks to a running service (--url / CONCLAVE_URL, --key / CONCLAVE_API_KEY) or, with
 * --embedded, starts one in this process for the one command. See program.ts for the commands and
 * exit-codes.ts for what the exit codes mean.
 */

interface Embedded {
  url: string;
  key: string;
  close(): Promise<void>;
}

function serviceUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url / CONCLAVE_URL must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url / CONCLAVE_URL must be an http(s) URL, got "${value}"`);
  return url.toString();
}

async function startEmbedded(): Promise<Embedded> {
  // Loaded only here: the whole service (Nest, TypeORM, SQLite) is not needed to talk to a remote one.
  const { startEmbedded: start } = await import('../../api/src/embedded');
  try {
    return await start();
  } catch (e) {
    throw new ApiError(0, `the embedded service did not start: ${(e as Error).message}`);
  }
}

export async function main(argv: string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const run: Runner = async (globals: GlobalOptions, action) => {
    const term = Terminal.create({ color: globals.color, json: Boolean(globals.json) });
    let embedded: Embedded | null = null;
    try {
      const url = globals.embedded ? null : serviceUrl(globals.url);
      embedded = globals.embedded ? await startEmbedded() : null;
      const client = embedded ? new ApiClient(embedded.url, embedded.key) : new ApiClient(url!, globals.key);
      code = await action({ client, term, json: Boolean(globals.json), embedded: embedded !== null });
    } catch (e) {
      if (e instanceof UsageError) {
        term.err(`error: ${e.message}`);
        code = EXIT.usage;
      } else if (e instanceof ApiError) {
        term.err(`error: ${e.message}`);
        code = EXIT.refused;
      } else {
        throw e;
      }
    } finally {
      await embedded?.close();
    }
  };
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (e) {
    // --help ends with exit code 0; every usage error commander finds is 2 (it printed the message).
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return code;
}

if (require.main === module) {
  // `conclave list | head`: the reader went away; that is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv).then(
    (code) => {
      // Exit once stdout has taken everything (a pipe may still hold the last lines); the fetch
      // connections kept alive would otherwise hold the process a few seconds.
      process.exitCode = code;
      process.stdout.write('', () => process.exit(code));
    },
    (e: unknown) => {
      process.stderr.write(`conclave: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
