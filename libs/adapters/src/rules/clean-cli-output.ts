import type { CliProvider } from '../provider-defaults';

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone two-byte escapes.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Lines some CLIs print to stdout around the answer. Only whole lines that match are dropped, so an
 * answer that merely mentions these words keeps them.
 */
export const CLI_BANNERS: Record<CliProvider, readonly RegExp[]> = {
  claude: [],
  codex: [],
  gemini: [/^Loaded cached credentials\.?$/, /^Data collection is disabled\.?$/],
  droid: [],
  llamacpp: [/^> EOF by user$/, /^\[end of text\]$/, /^llama_perf_\w+:/, /^main: /],
};

/** The answer a CLI printed: ANSI codes removed, carriage-return redraws resolved, banners dropped, trimmed. */
export function cleanCliOutput(provider: CliProvider, raw: string): string {
  const banners = CLI_BANNERS[provider];
  const lines = stripAnsi(raw)
    .split('\n')
    // A spinner redraws its line with "\r"; what remains visible is the text after the last one.
    .map((line) => {
      const trimmedEnd = line.replace(/\r+$/, '');
      const cut = trimmedEnd.lastIndexOf('\r');
      return cut >= 0 ? trimmedEnd.slice(cut + 1) : trimmedEnd;
    })
    .filter((line) => !banners.some((banner) => banner.test(line.trim())));
  return lines.join('\n').trim();
}
