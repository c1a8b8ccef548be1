import { jaccard, tfidfCosine } from './similarity';
import { groupOptions, mustNotMerge, normalizeOption } from './vote-grouping';

describe('normalizeOption', () => {
  it.each([
    ['Adopt webhooks', 'adopt webhooks'],
    ['  adopt   webhooks. ', 'adopt webhooks'],
    ['ADOPT—WEBHOOKS!', 'adopt webhooks'],
    ["Don't adopt", 'dont adopt'],
    ['Ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['"Option A"', 'option a'],
  ])('should fold %j to %j', (input, expected) => {
    expect(normalizeOption(input)).toBe(expected);
  });
});

describe('groupOptions', () => {
  it('should merge options equal after normalization, keeping the first spelling', () => {
    const sut = groupOptions(['Adopt webhooks', 'adopt webhooks.', 'ADOPT  WEBHOOKS'], tfidfCosine, 0.85);
    expect([...sut.values()]).toEqual(['Adopt webhooks', 'Adopt webhooks', 'Adopt webhooks']);
  });

  it('should merge similar options at or above the threshold', () => {
    const sut = groupOptions(['adopt webhooks for billing now', 'adopt webhooks for billing'], jaccard, 0.8);
    expect(sut.get('adopt webhooks for billing')).toBe('adopt webhooks for billing now');
  });

  it('should keep dissimilar options apart', () => {
    const sut = groupOptions(['Adopt webhooks', 'Keep polling'], tfidfCosine, 0.85);
    expect(sut.get('Keep polling')).toBe('Keep polling');
    expect(new Set(sut.values()).size).toBe(2);
  });

  const always = (): number => 1;

  it.each([
    ['Yes', 'No'],
    ['yes', 'no.'],
    ['True', 'False'],
    ['Adopt webhooks', 'Do not adopt webhooks'],
    ['Adopt webhooks', "Don't adopt webhooks"],
    ['Migrate', 'No migration'],
    ['Approve the plan', 'Reject the plan'],
    ['Option A', 'Option D'],
    ['Option 1', 'Option 2'],
    ['Plan B: webhooks', 'Plan C: webhooks'],
    ['Wait 3 months', 'Wait 6 months'],
    ['Phase II', 'Phase III'],
  ])('should never merge %j and %j, even when similarity says 1', (a, b) => {
    const sut = groupOptions([a, b], always, 0.1);
    expect(sut.get(a)).toBe(a);
    expect(sut.get(b)).toBe(b);
  });

  it('should not let a chain of near matches carry Option A into Option D', () => {
    const sut = groupOptions(['Option A', 'Option A webhooks', 'Option D'], always, 0.1);
    expect(sut.get('Option A webhooks')).toBe('Option A');
    expect(sut.get('Option D')).toBe('Option D');
  });

  it('should never put No in the group of Yes', () => {
    const sut = groupOptions(['Yes', 'Yes, definitely', 'No'], always, 0.1);
    expect(sut.get('Yes, definitely')).toBe('Yes');
    expect(sut.get('No')).toBe('No');
  });

  it('should still merge two negated options', () => {
    const sut = groupOptions(['Do not adopt webhooks', "Don't adopt webhooks"], always, 0.5);
    expect(sut.get("Don't adopt webhooks")).toBe('Do not adopt webhooks');
  });

  it('should map a repeated raw option once and trim the canonical spelling', () => {
    const sut = groupOptions(['  Keep polling ', '  Keep polling '], tfidfCosine, 0.85);
    expect(sut.size).toBe(1);
    expect(sut.get('  Keep polling ')).toBe('Keep polling');
  });

  it('should join the most similar group when several pass the threshold', () => {
    const scores: Record<string, number> = { 'cat|cee': 0.7, 'bee|cee': 0.9 };
    const similarity = (a: string, b: string): number => scores[`${a}|${b}`] ?? 0;
    const sut = groupOptions(['cat', 'bee', 'cee'], similarity, 0.5);
    expect(sut.get('cee')).toBe('bee');
  });
});

describe('mustNotMerge', () => {
  it('should allow the same option and typical rewordings', () => {
    expect(mustNotMerge('adopt webhooks', 'adopt webhooks')).toBe(false);
    expect(mustNotMerge('adopt webhooks', 'adopt webhooks now')).toBe(false);
    expect(mustNotMerge('option a', 'option a webhooks')).toBe(false);
  });
});
