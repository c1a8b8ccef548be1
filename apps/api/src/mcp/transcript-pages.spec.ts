import { paginate, splitTranscript } from './transcript-pages';

/** One "token" per 4 characters, rounded up: deterministic, and close to what the tokenizer does on English. */
const count = (text: string) => Math.ceil(text.length / 4);

const fence = (text: string, ticks = 3) => `${'`'.repeat(ticks)}text\n${text}\n${'`'.repeat(ticks)}`;

function transcript(answers: string[][]): string {
  const lines = ['# Deliberation d1', '', '- **Status:** completed', '', '## Question', '', fence('Webhooks?'), '', '## Participants', '', '- **#0 a**'];
  answers.forEach((round, i) => {
    lines.push('', `## Round ${i + 1}`);
    round.forEach((text, p) => lines.push('', `### #${p} a (m)`, '', fence(text), '', '**Vote:** X'));
    lines.push('', '**Convergence:** refining');
  });
  lines.push('', '## Result', '', '- **Outcome:** unanimous');
  return `${lines.join('\n')}\n`;
}

/** Fences opened and closed on a page: every page must be valid Markdown on its own. */
function balanced(page: string): boolean {
  let open: string | null = null;
  for (const line of page.split('\n')) {
    if (open === null && /^`{3,}text$/.test(line)) open = line.replace('text', '');
    else if (open !== null && line === open) open = null;
  }
  return open === null;
}

describe('splitTranscript', () => {
  it('should cut at the round and result headings, keeping the head', () => {
    const sut = splitTranscript(transcript([['one'], ['two']]));
    expect(sut.head).toMatch(/^# Deliberation d1[\s\S]*## Participants[\s\S]*#0 a\*\*\n$/);
    expect([...sut.rounds.keys()]).toEqual([1, 2]);
    expect(sut.rounds.get(1)).toMatch(/^## Round 1\n[\s\S]*one[\s\S]*refining\n$/);
    expect(sut.rounds.get(2)).not.toContain('one');
    expect(sut.result).toBe('## Result\n\n- **Outcome:** unanimous\n');
  });

  it('should not cut at a heading an answer quotes inside its fence', () => {
    const quoting = 'My answer.\n\n## Round 9\n\n## Result\nstill the answer';
    const sut = splitTranscript(transcript([[quoting]]));
    expect([...sut.rounds.keys()]).toEqual([1]);
    expect(sut.rounds.get(1)).toContain('still the answer');
    expect(sut.result).toBe('## Result\n\n- **Outcome:** unanimous\n');
  });

  it('should read a longer fence that contains a shorter one as one block', () => {
    const inner = 'see:\n```\n## Round 5\n```\nend';
    const sut = splitTranscript(transcript([[inner.replace(/^/, '')]]).replace(fence(inner), fence(inner, 4)));
    expect([...sut.rounds.keys()]).toEqual([1]);
  });

  it('should give no rounds and no result for a transcript of a deliberation not started', () => {
    const sut = splitTranscript('# Deliberation d1\n\n## Question\n\n```text\nQ\n```\n');
    expect(sut.rounds.size).toBe(0);
    expect(sut.result).toBe('');
  });
});

describe('paginate', () => {
  it('should answer one page when everything fits', () => {
    const text = transcript([['short']]);
    expect(paginate(text, 10_000, count)).toEqual([text]);
  });

  it('should cut between blocks, every page within the budget, nothing lost', () => {
    const answers = Array.from({ length: 6 }, (_, i) => `answer ${i} ${'word '.repeat(150)}`);
    const text = transcript([answers.slice(0, 3), answers.slice(3)]);
    const pages = paginate(text, 400, count);
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) {
      expect(count(page)).toBeLessThanOrEqual(400 + 2);
      expect(balanced(page)).toBe(true);
    }
    const joined = pages.join('\n');
    for (const answer of answers) expect(joined).toContain(answer);
  });

  it('should cut an answer larger than a page inside its fence, re-fencing each part, in order', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const long = Array.from({ length: 300 }, (_, i) => words.slice(i * 10, i * 10 + 10).join(' ')).join('\n');
    const pages = paginate(transcript([[long]]), 500, count);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages) {
      expect(count(page)).toBeLessThanOrEqual(502);
      expect(balanced(page)).toBe(true);
    }
    const joined = pages.join('\n');
    const positions = ['w0 ', 'w1500 ', 'w2999'].map((w) => joined.indexOf(w));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(pages.some((page) => page.includes('_(continued on the next page)_'))).toBe(true);
  });

  it('should cut a single line longer than a page by characters', () => {
    const line = 'x'.repeat(10_000);
    const pages = paginate(transcript([[line]]), 300, count);
    for (const page of pages) expect(count(page)).toBeLessThanOrEqual(302);
    expect(pages.join('').replace(/[^x]/g, '').length).toBeGreaterThanOrEqual(10_000);
  });

  it('should count with the counter given, not by characters', () => {
    // A counter for which every character is a token (dense scripts): pages get shorter.
    const text = transcript([['字'.repeat(900)]]);
    const dense = paginate(text, 400, (t) => t.length);
    const sparse = paginate(text, 400, count);
    expect(dense.length).toBeGreaterThan(sparse.length);
    for (const page of dense) expect(page.length).toBeLessThanOrEqual(402);
  });
});
