/**
 * Paging of the Markdown transcript (GET /v1/deliberations/:id/transcript) for MCP clients, whose
 * responses must stay under about 20k tokens. Pure: the token counter is passed in.
 *
 * The transcript fences everything a model or a person wrote in a fence longer than any backtick run
 * inside it (fenceMarkdown), so a fence closes exactly on a line equal to its opener's backticks: headings
 * and blank lines are read only outside fences, and a heading an answer quotes never splits anything.
 */

export type CountTokens = (text: string) => number;

/** The transcript cut at its `## ` headings: title, question and participants; each round; the result. */
export interface TranscriptSections {
  head: string;
  rounds: Map<number, string>;
  result: string;
}

const FENCE_OPEN = /^(`{3,})[A-Za-z]*$/;
const ROUND_HEADING = /^## Round (\d+)$/;

/** Calls `visit(line, inFence)` for each line, tracking the fences the transcript writes. */
function walk(lines: readonly string[], visit: (line: string, index: number, inFence: boolean) => void): void {
  let fence: string | null = null;
  lines.forEach((line, index) => {
    if (fence === null) {
      visit(line, index, false);
      const open = FENCE_OPEN.exec(line);
      if (open) fence = open[1];
    } else {
      visit(line, index, true);
      if (line === fence) fence = null;
    }
  });
}

export function splitTranscript(markdown: string): TranscriptSections {
  const lines = markdown.split('\n');
  const head: string[] = [];
  const result: string[] = [];
  const rounds = new Map<number, string[]>();
  let target = head;
  walk(lines, (line, _index, inFence) => {
    if (!inFence) {
      const round = ROUND_HEADING.exec(line);
      if (round) {
        target = [];
        rounds.set(Number(round[1]), target);
      } else if (line === '## Result') {
        target = result;
      }
    }
    target.push(line);
  });
  const join = (part: string[]) => `${part.join('\n').trim()}\n`;
  return { head: join(head), rounds: new Map([...rounds].map(([n, part]) => [n, join(part)])), result: result.length ? join(result) : '' };
}

/** Paragraphs outside fences, and each fenced block whole (with the lines around it up to a blank line). */
function blocks(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  walk(text.split('\n'), (line, _index, inFence) => {
    if (!inFence && line === '') {
      if (current.length) out.push(current.join('\n'));
      current = [];
      return;
    }
    current.push(line);
  });
  if (current.length) out.push(current.join('\n'));
  return out;
}

/** A piece of text cut into parts of at most `max` tokens, by characters (halving until each part fits). */
function cutByCharacters(text: string, max: number, count: CountTokens): string[] {
  if (count(text) <= max || text.length <= 1) return [text];
  const middle = Math.ceil(text.length / 2);
  return [...cutByCharacters(text.slice(0, middle), max, count), ...cutByCharacters(text.slice(middle), max, count)];
}

/** Greedy packing of pieces into parts of at most `max` tokens, joined with `separator`. */
function pack(pieces: readonly string[], max: number, count: CountTokens, separator: string): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let used = 0;
  const joint = count(separator);
  for (const piece of pieces) {
    const tokens = count(piece) + joint;
    if (current.length && used + tokens > max) {
      parts.push(current.join(separator));
      current = [];
      used = 0;
    }
    current.push(piece);
    used += tokens;
  }
  if (current.length) parts.push(current.join(separator));
  return parts;
}

/**
 * A block too large for one page: a fenced answer is cut between lines (a line too long, by characters)
 * and each part fenced again, so every page is valid Markdown; other text is cut by lines and characters.
 */
function cutBlock(block: string, max: number, count: CountTokens): string[] {
  const lines = block.split('\n');
  const openAt = lines.findIndex((line) => FENCE_OPEN.test(line));
  const fence = openAt >= 0 ? FENCE_OPEN.exec(lines[openAt])![1] : null;
  const closeAt = fence ? lines.lastIndexOf(fence) : -1;
  if (!fence || closeAt <= openAt) {
    const pieces = lines.flatMap((line) => cutByCharacters(line, max, count));
    return pack(pieces, max, count, '\n');
  }
  const opener = lines[openAt];
  const before = lines.slice(0, openAt);
  const after = lines.slice(closeAt + 1);
  // What a part adds around its share of the answer, counted at its largest.
  const wrap = count([...before, '_(continued)_', opener, fence, '_(continued on the next page)_', ...after].join('\n')) + 2;
  const inner = lines.slice(openAt + 1, closeAt).flatMap((line) => cutByCharacters(line, Math.max(1, max - wrap), count));
  const chunks = pack(inner, Math.max(1, max - wrap), count, '\n');
  return chunks.map((chunk, i) => {
    const first = i === 0;
    const last = i === chunks.length - 1;
    return [...(first ? before : ['_(continued)_']), opener, chunk, fence, ...(last ? after : ['_(continued on the next page)_'])].join('\n');
  });
}

/**
 * Pages of at most about `maxTokens` tokens each, cut between paragraphs and blocks where possible.
 * A page's count is the sum of its pieces' and separators' counts: a tokenizer may merge tokens across a
 * joint, so a count of the joined page can differ by a token or two.
 */
export function paginate(markdown: string, maxTokens: number, count: CountTokens): string[] {
  // Each page ends with a newline; each piece is charged one separator (the first one's stands for that newline).
  const max = maxTokens - count('\n\n');
  const pieces = blocks(markdown).flatMap((block) => (count(block) > max ? cutBlock(block, max, count) : [block]));
  const pages = pack(pieces, maxTokens, count, '\n\n').map((page) => `${page}\n`);
  return pages.length ? pages : ['\n'];
}
