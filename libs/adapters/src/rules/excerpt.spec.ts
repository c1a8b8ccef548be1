import { MAX_EXCERPT_CHARS, safeExcerpt } from './excerpt';

describe(safeExcerpt.name, () => {
  const key = 'sk-live-abcdefghijklmnop';

  it('should replace every occurrence of a secret', () => {
    const out = safeExcerpt(`bad key ${key}; again ${key}`, [key]);

    expect(out).toBe('bad key [redacted]; again [redacted]');
  });

  it('should not leak a secret that straddles the cut', () => {
    const text = `${'x'.repeat(MAX_EXCERPT_CHARS - 10)}${key}${'y'.repeat(100)}`;

    const out = safeExcerpt(text, [key]);

    expect(out.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
    expect(out).not.toContain(key.slice(0, 9));
  });

  it('should keep the end when asked for the tail', () => {
    const out = safeExcerpt(`${'a'.repeat(2000)} fatal: model not found`, [], 'tail');

    expect(out.length).toBe(MAX_EXCERPT_CHARS);
    expect(out.endsWith('fatal: model not found')).toBe(true);
    expect(out.startsWith('...')).toBe(true);
  });

  it('should collapse whitespace and keep short text whole', () => {
    expect(safeExcerpt('  line one\n\n  line two  ')).toBe('line one line two');
  });

  it('should ignore secrets too short to be keys', () => {
    expect(safeExcerpt('the model is ok', ['ok'])).toBe('the model is ok');
  });
});
