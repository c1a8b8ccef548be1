import type { ApiClient } from './api-client';
import type { Terminal } from './terminal';

/** What every command runs with: the service, the output, and the global flags. */
export interface Context {
  client: ApiClient;
  term: Terminal;
  /** --json: stdout carries one JSON document and nothing else. */
  json: boolean;
  /** The service runs in this process (--embedded): Ctrl-C stops it, interrupting the run with a checkpoint. */
  embedded: boolean;
}

/** Prints a value as the one JSON document of stdout. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.term.out(JSON.stringify(value, null, 2));
}

/** The command as the person should type it again in a hint: with --embedded when that is how the service runs. */
export function cliName(ctx: Context): string {
  return ctx.embedded ? 'conclave --embedded' : 'conclave';
}
