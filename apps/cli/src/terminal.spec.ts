import { plain } from './format';
import { Terminal } from './terminal';

/** A stream that keeps what was written to it. */
function sink(): NodeJS.WriteStream & { text: string } {
  const s = { text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe(Terminal.name, () => {
  it('should keep the status line under the printed lines on a terminal, erasing it before each line', () => {
    const out = sink();
    const sut = new Terminal(out, sink(), true, plain);

    sut.setStatus('[bar 1/2]');
    sut.out('answer');
    sut.endStatus();
    sut.out('done');

    expect(out.text).toBe('[bar 1/2]\r\x1b[2Kanswer\n[bar 1/2]\r\x1b[2Kdone\n');
  });

  it('should draw no status line when not live (a pipe, a file, --json)', () => {
    const out = sink();
    const sut = new Terminal(out, sink(), false, plain);

    sut.setStatus('[bar]');
    sut.out('line');

    expect(out.text).toBe('line\n');
  });

  it('should hold lines while a prompt is open and print them after it, in order', () => {
    const out = sink();
    const sut = new Terminal(out, sink(), false, plain);

    sut.hold();
    sut.out('a');
    sut.out('b');
    expect(out.text).toBe('');
    sut.release();

    expect(out.text).toBe('a\nb\n');
  });

  describe('create', () => {
    const tty = process.stdout.isTTY;
    afterEach(() => {
      process.stdout.isTTY = tty;
    });

    it.each([
      [true, {}, true, true],
      [true, { NO_COLOR: '1' }, true, false],
      [true, { NO_COLOR: '' }, true, true],
      [true, {}, false, false],
      [false, {}, true, false],
    ])('on a terminal %p with env %p and colour flag %p: colours %p', (isTTY, env, color, coloured) => {
      process.stdout.isTTY = isTTY;
      const sut = Terminal.create({ color, json: false }, env);
      expect(sut.paint.red('x') !== 'x').toBe(coloured);
      expect(sut.live).toBe(isTTY);
    });

    it('should never draw the status line with --json', () => {
      process.stdout.isTTY = true;
      expect(Terminal.create({ color: true, json: true }, {}).live).toBe(false);
    });
  });
});
