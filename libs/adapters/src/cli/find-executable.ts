import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path a command runs from, or undefined. An absolute path must itself be an executable
 * file; a bare name is searched on PATH. A relative path with a slash is refused: it would depend on the
 * directory the service happens to start in.
 */
export function findExecutable(command: string, pathVariable: string | undefined): string | undefined {
  if (isAbsolute(command)) return isExecutableFile(command) ? command : undefined;
  if (command.includes('/') || command.includes('\\')) return undefined;
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(path: string): boolean {
  return isExecutableFile(path);
}
