import { bar, elapsed, hoursLeft, oneLine, percent, table, tokens, usd, visibleLength } from './format';

describe('format', () => {
  describe(tokens.name, () => {
    it.each([
      [0, '0'],
      [1234, '1,234'],
      [1234567.4, '1,234,567'],
      [null, '—'],
      [undefined, '—'],
      [Number.NaN, '—'],
    ])('should print %p as %p', (n, text) => {
      expect(tokens(n)).toBe(text);
    });
  });

  describe(usd.name, () => {
    it.each([
      [0, '$0'],
      [0.0001234, '$0.000123'],
      [0.04213, '$0.0421'],
      [0.045, '$0.045'],
      [0.1, '$0.1'],
      [1.234, '$1.23'],
      [12, '$12.00'],
    ])('should print %p as %p', (n, text) => {
      expect(usd(n)).toBe(text);
    });

    it('should say unpriced, never $0, when the cost is unknown', () => {
      expect(usd(null)).toBe('unpriced');
      expect(usd(undefined)).toBe('unpriced');
    });
  });

  it('should print fractions as whole percents and unknown as a dash', () => {
    expect(percent(0.806)).toBe('81%');
    expect(percent(1)).toBe('100%');
    expect(percent(null)).toBe('—');
  });

  it.each([
    [12.4, '12 ms'],
    [850, '850 ms'],
    [12_400, '12.4 s'],
    [185_000, '3 min 5 s'],
  ])('should print a latency of %p ms as %p', (ms, text) => {
    expect(elapsed(ms)).toBe(text);
  });

  it.each([
    [0.001, '1 min'],
    [0.75, '45 min'],
    [5 + 10 / 60, '5 h 10 min'],
    [72, '3 d'],
    [null, '—'],
    [Number.POSITIVE_INFINITY, '—'],
    [-1, '—'],
  ])('should print %p hours left as %p', (h, text) => {
    expect(hoursLeft(h)).toBe(text);
  });

  describe(bar.name, () => {
    it('should fill in proportion, clamped to the width', () => {
      expect(bar(0.5, 10)).toBe('█████░░░░░');
      expect(bar(0, 4)).toBe('░░░░');
      expect(bar(1.7, 4)).toBe('████');
      expect(bar(-0.2, 4)).toBe('░░░░');
    });

    it('should draw dots when there is nothing to fill (no limit)', () => {
      expect(bar(null, 5)).toBe('·····');
    });
  });

  it('should flatten and cut long text with an ellipsis', () => {
    expect(oneLine('a\n  b\tc', 10)).toBe('a b c');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
  });

  describe(table.name, () => {
    it('should pad columns to their widest cell, right-align numbers and rule the header', () => {
      expect(
        table(
          ['name', 'calls'],
          [
            ['alpha', 3],
            ['b', 1200],
          ],
        ),
      ).toEqual(['name   calls', '─────  ─────', 'alpha      3', 'b      1,200']);
    });

    it('should measure cells without their colour codes', () => {
      const red = '\x1b[31mRED\x1b[39m';
      const [, , row] = table(['zone', 'x'], [[red, 'y']]);
      expect(row).toBe(`${red}   y`);
      expect(visibleLength(red)).toBe(3);
    });

    it('should print a header and its rule for no rows', () => {
      expect(table(['a', 'bb'], [])).toEqual(['a  bb', '─  ──']);
    });
  });
});
