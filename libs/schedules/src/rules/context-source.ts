import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { FieldProblem } from './cadence';

/** Whether `candidate` lies below `root` (both absolute and resolved); the folder itself is not inside. */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  // A name that merely starts with two dots ("..notes.md") is inside; only a ".." segment leaves.
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The real path of a context file, or why it may not be read: only a regular file inside the configured
 * folder, after every symlink is resolved (a link inside the folder to a file outside it is refused, and
 * so is `..`). `given` is relative to the folder, or absolute.
 */
export function resolveContextFile(contextDir: string | undefined, given: string): { path: string } | { problem: FieldProblem } {
  const field = 'contextFrom.file';
  if (!contextDir) return { problem: { field, message: 'file contexts are off: configure schedules.contextDir to allow them' } };
  let root: string;
  let real: string;
  try {
    root = realpathSync(contextDir);
  } catch {
    return { problem: { field, message: `schedules.contextDir (${contextDir}) cannot be read` } };
  }
  try {
    real = realpathSync(resolve(root, given));
  } catch {
    return { problem: { field, message: `"${given}" does not exist in schedules.contextDir` } };
  }
  if (!isInside(root, real)) return { problem: { field, message: `"${given}" is outside schedules.contextDir (symlinks resolved)` } };
  if (!statSync(real).isFile()) return { problem: { field, message: `"${given}" is not a regular file` } };
  return { path: real };
}

/** Where the service's own paths live: a relative URL may only name one of these. */
const OWN_PREFIX = '/v1/';
const PLACEHOLDER = 'http://conclave.invalid';

/**
 * A context URL of this service: a path such as `/v1/deliberations/ID/transcript` (with an optional
 * query), read from the service itself. Absolute URLs, protocol-relative ones (`//host/...`) and paths
 * that leave `/v1/` once normalised are refused, so a schedule can never make the service fetch from
 * another host.
 */
export function checkServicePath(given: string): { path: string } | { problem: FieldProblem } {
  const field = 'contextFrom.url';
  const refuse = (why: string) => ({ problem: { field, message: `${why}; give a path of this service, such as /v1/deliberations/ID/transcript` } });
  if (!given.startsWith('/') || given.startsWith('//') || given.includes('\\')) return refuse(`"${given}" is not a path of this service`);
  let url: URL;
  try {
    url = new URL(given, PLACEHOLDER);
  } catch {
    return refuse(`"${given}" is not a valid URL path`);
  }
  if (url.origin !== PLACEHOLDER || !url.pathname.startsWith(OWN_PREFIX)) return refuse(`"${given}" is not under ${OWN_PREFIX}`);
  return { path: `${url.pathname}${url.search}` };
}
