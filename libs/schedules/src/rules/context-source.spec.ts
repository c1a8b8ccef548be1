import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServicePath, isInside, resolveContextFile } from './context-source';

describe('isInside', () => {
  it.each([
    ['/ctx', '/ctx/a.md', true],
    ['/ctx', '/ctx/sub/a.md', true],
    ['/ctx', '/ctx', false],
    ['/ctx', '/ctx-other/a.md', false],
    ['/ctx', '/etc/passwd', false],
    ['/ctx', '/ctx/../etc/passwd', false],
    ['/ctx', '/ctx/..a.md', true],
  ])('%s holds %s: %s', (root, candidate, inside) => {
    expect(isInside(root, candidate)).toBe(inside);
  });
});

describe('resolveContextFile', () => {
  let base: string;
  let dir: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'conclave-ctx-'));
    dir = join(base, 'contexts');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'incidents.md'), 'yesterday');
    writeFileSync(join(dir, 'sub', 'notes.md'), 'notes');
    writeFileSync(join(base, 'secret.txt'), 'secret');
    symlinkSync(join(base, 'secret.txt'), join(dir, 'escape.md'));
    symlinkSync(join(dir, 'incidents.md'), join(dir, 'alias.md'));
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it.each([
    ['a file in the folder', 'incidents.md', 'incidents.md'],
    ['a file below it', 'sub/notes.md', 'sub/notes.md'],
    ['a link that stays inside', 'alias.md', 'incidents.md'],
    ['a path that leaves and comes back', 'sub/../incidents.md', 'incidents.md'],
  ])('should accept %s', (_name, given, real) => {
    expect(resolveContextFile(dir, given)).toEqual({ path: join(dir, real) });
  });

  it('should accept an absolute path inside the folder', () => {
    expect(resolveContextFile(dir, join(dir, 'incidents.md'))).toEqual({ path: join(dir, 'incidents.md') });
  });

  it.each([
    ['traversal', '../secret.txt', 'outside schedules.contextDir'],
    ['an absolute path outside', '/etc/hostname', 'outside schedules.contextDir'],
    ['a link escaping the folder', 'escape.md', 'outside schedules.contextDir'],
    ['a missing file', 'nope.md', 'does not exist'],
    ['a folder', 'sub', 'not a regular file'],
  ])('should refuse %s, naming contextFrom.file', (_name, given, words) => {
    expect(resolveContextFile(dir, given)).toEqual({ problem: { field: 'contextFrom.file', message: expect.stringContaining(words) } });
  });

  it('should refuse every file when no folder is configured', () => {
    expect(resolveContextFile(undefined, 'incidents.md')).toEqual({
      problem: { field: 'contextFrom.file', message: expect.stringContaining('schedules.contextDir') },
    });
  });
});

describe('checkServicePath', () => {
  it.each([
    ['/v1/deliberations/abc/transcript', '/v1/deliberations/abc/transcript'],
    ['/v1/usage?from=2026-01-01', '/v1/usage?from=2026-01-01'],
    ['/v1/a/../usage', '/v1/usage'],
  ])('should accept %s', (given, path) => {
    expect(checkServicePath(given)).toEqual({ path });
  });

  it.each([
    ['an absolute URL', 'http://example.com/v1/usage'],
    ['a loopback URL', 'http://127.0.0.1:3000/v1/usage'],
    ['a protocol-relative URL', '//example.com/v1/usage'],
    ['a backslash trick', '/\\example.com/v1/usage'],
    ['a path leaving /v1/', '/v1/../health'],
    ['a path outside /v1/', '/metrics'],
    ['a bare word', 'v1/usage'],
  ])('should refuse %s, naming contextFrom.url', (_name, given) => {
    expect(checkServicePath(given)).toEqual({ problem: { field: 'contextFrom.url', message: expect.any(String) } });
  });
});
