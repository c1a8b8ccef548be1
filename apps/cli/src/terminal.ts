import { createColors } from 'picocolors';
import type { Paint } from './format';

/**
 * Where the CLI writes. On a terminal it keeps one status line (the round's progress bar and the
 * running spend) under the printed lines, redrawn in place; elsewhere (a pipe, a file, CI) there is no
 * status line and every line is plain text. Lines printed while a prompt is open are held back and
 * printed after it, so the prompt is not scrolled away.
 */
export class Terminal {
  private status = '';
  private held: string[] | null = null;

  constructor(
    private readonly stdout: NodeJS.WriteStream,
    private readonly stderr: NodeJS.WriteStream,
    /** Draw the status line: stdout is a terminal and the output is not JSON. */
    readonly live: boolean,
    readonly paint: Paint,
  ) {}

  /** Colours on only for a terminal, and never with NO_COLOR (any value) or --no-color. */
  static create(options: { color: boolean; json: boolean }, env: NodeJS.ProcessEnv = process.env): Terminal {
    const tty = process.stdout.isTTY === true;
    const colour = options.color && tty && !('NO_COLOR' in env && env.NO_COLOR !== '');
    const c = createColors(colour);
    return new Terminal(process.stdout, process.stderr, tty && !options.json, {
      bold: c.bold,
      dim: c.dim,
      green: c.green,
      yellow: c.yellow,
      red: c.red,
      cyan: c.cyan,
    });
  }

  out(line = ''): void {
    if (this.held) {
      this.held.push(line);
      return;
    }
    this.clearStatus();
    this.stdout.write(`${line}\n`);
    this.drawStatus();
  }

  err(line: string): void {
    this.clearStatus();
    this.stderr.write(`${line}\n`);
    this.drawStatus();
  }

  setStatus(line: string): void {
    if (!this.live) return;
    this.clearStatus();
    this.status = line;
    this.drawStatus();
  }

  endStatus(): void {
    this.clearStatus();
    this.status = '';
  }

  /** While a prompt is open: no status line, and printed lines wait. */
  hold(): void {
    this.clearStatus();
    this.held = [];
  }

  release(): void {
    const lines = this.held ?? [];
    this.held = null;
    for (const line of lines) this.out(line);
    this.drawStatus();
  }

  private clearStatus(): void {
    if (this.status && this.held === null) this.stdout.write('\r\x1b[2K');
  }

  private drawStatus(): void {
    if (this.status && this.held === null) this.stdout.write(this.status);
  }
}
