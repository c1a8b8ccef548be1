/**
 * The exit codes are the CLI's contract with scripts: 0 finished, 2 bad usage, 3 the service refused (or
 * could not be reached), 4 the deliberation failed or was cancelled, 5 it stands paused or interrupted
 * (resumable from its checkpoint).
 */
export const EXIT = { ok: 0, usage: 2, refused: 3, failed: 4, paused: 5 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * What a deliberation's status means for the exit code. A deliberation still queued or running (after a
 * detach) exits 0: the command did what it was asked, and `watch` follows it to its end.
 */
export function exitForStatus(status: string): ExitCode {
  switch (status) {
    case 'completed':
    case 'queued':
    case 'running':
      return EXIT.ok;
    case 'paused':
    case 'interrupted':
      return EXIT.paused;
    case 'failed':
    case 'cancelled':
      return EXIT.failed;
    default:
      return EXIT.failed;
  }
}

/** Bad usage found by the CLI itself (before or without the service): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
