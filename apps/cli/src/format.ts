/**
 * Formatting primitives of the `conclave` output: pure functions, no I/O, unit-tested. Colours come in
 * through a `Paint` so they can be off (not a TTY, NO_COLOR, --no-color) without changing any text.
 */

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

const same = (s: string) => s;
export const plain: Paint = { bold: same, dim: same, green: same, yellow: same, red: same, cyan: same };

/** A count of tokens with thousands separators; "—" when unknown. */
export function tokens(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');
}

/**
 * Dollars with the precision small amounts need ($0.00123, $0.0421, $1.23); an unknown cost (a model
 * without a price) is "unpriced", never $0.
 */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'unpriced';
  if (n === 0) return '$0';
  if (Math.abs(n) >= 1) return `$${n.toFixed(2)}`;
  return `$${Number(n.toPrecision(3)).toString()}`;
}

export function percent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? '—' : `${Math.round(fraction * 100)}%`;
}

/** A latency or a run's length: "850 ms", "12.4 s", "3 min 5 s". */
export function elapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A time left, from hours: "45 min", "5 h 10 min", "3 d"; "—" when there is none (no limit, no spend). */
export function hoursLeft(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours) || hours < 0) return '—';
  const minutes = Math.round(hours * 60);
  if (minutes < 60) return `${Math.max(1, minutes)} min`;
  if (hours < 48) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} d`;
}

/** A fixed-width bar of a fraction, clamped to [0, 1]: "██████░░░░"; dots when there is no limit to fill. */
export function bar(fraction: number | null | undefined, width = 20): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '·'.repeat(width);
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Text on one line, cut with an ellipsis past `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A table cell: text, or a number (formatted as a count, right-aligned). */
export type Cell = string | number;

/**
 * Columns padded to their widest cell, two spaces apart; columns whose cells are all numbers are
 * right-aligned. Widths are measured on the text without colour codes.
 */
export function table(header: string[], rows: Cell[][]): string[] {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? tokens(c) : c)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...text.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i] - visibleLength(c)));
        return numeric[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...text.map(line)];
}

const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}
