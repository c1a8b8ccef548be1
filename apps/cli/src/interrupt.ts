import { emitKeypressEvents } from 'node:readline';
import type { Terminal } from './terminal';

export type InterruptChoice = 'pause' | 'cancel' | 'detach';

/** A key pressed at the prompt, as a choice; null for a key that means nothing (the prompt waits). */
export function choiceOf(key: string): InterruptChoice | null {
  switch (key.toLowerCase()) {
    case 'p':
      return 'pause';
    case 'c':
      return 'cancel';
    case 'd':
    case 'q':
      return 'detach';
    default:
      return null;
  }
}

/**
 * Ctrl-C while following a deliberation. With a person at the keyboard (stdin is a terminal) it asks
 * "pause, cancel or detach? [p/c/d]" and reads one key (a second Ctrl-C, or Escape, detaches);
 * without one (a script, a pipe) it detaches at once: the deliberation goes on in the service.
 */
export function askWhatToDo(term: Terminal, stdin: NodeJS.ReadStream = process.stdin): Promise<InterruptChoice> {
  if (!stdin.isTTY) return Promise.resolve('detach');
  term.hold();
  process.stderr.write('\npause, cancel or detach? [p/c/d] ');
  emitKeypressEvents(stdin);
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((done) => {
    const onKey = (text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
      const choice = key?.ctrl && key.name === 'c' ? 'detach' : key?.name === 'escape' ? 'detach' : choiceOf(text ?? key?.name ?? '');
      if (!choice) return;
      stdin.off('keypress', onKey);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write(`${choice}\n`);
      term.release();
      done(choice);
    };
    stdin.on('keypress', onKey);
  });
}
