/** Longest excerpt of a body or stderr an AdapterError carries. */
export const MAX_EXCERPT_CHARS = 500;

/**
 * A short, safe excerpt for an error: every secret replaced (API keys echo back in some providers' error
 * bodies and in CLIs' debug output), whitespace collapsed, at most MAX_EXCERPT_CHARS characters.
 * `keep: 'tail'` keeps the end (stderr says what failed last). Secrets are removed before cutting so a key split by the cut cannot leak its first half.
 */
export function safeExcerpt(text: string, secrets: readonly string[] = [], keep: 'head' | 'tail' = 'head'): string {
  let out = text;
  for (const secret of secrets) {
    // Short strings would blank out ordinary words; real keys are long.
    if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(/\s+/g, ' ').trim();
  if (out.length <= MAX_EXCERPT_CHARS) return out;
  return keep === 'head' ? `${out.slice(0, MAX_EXCERPT_CHARS - 3)}...` : `...${out.slice(out.length - MAX_EXCERPT_CHARS + 3)}`;
}
