import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { get_encoding, Tiktoken, TiktokenEncoding } from 'tiktoken';

/** The encodings the service uses; models not named here count with cl100k_base. */
export function encodingForModel(model: string): TiktokenEncoding {
  const name = model.toLowerCase().replace(/^.*\//, '');
  return /^(gpt-4o|gpt-4\.1|gpt-5|o\d)/.test(name) ? 'o200k_base' : 'cl100k_base';
}

/** Texts longer than this (in UTF-16 units) are counted by countAsync in slices that yield to the event loop. */
export const ASYNC_COUNT_THRESHOLD_CHARS = 256 * 1024;
/** One slice of countAsync: ~25 ms of tiktoken on this machine class, so other requests wait at most that. */
export const COUNT_SLICE_CHARS = 64 * 1024;

const LONG_RUN_CHARS = 2048;
const RUN_PIECE_CHARS = 1024;
const LONG_RUN_TEST = /\S{2048}|\s{2048}/;
const LONG_RUN = /\S{2048,}|\s{2048,}/g;

/**
 * Where to cut `text` near `end` so both halves tokenize as the whole would: just before a space that
 * follows a non-space and precedes a non-space. tiktoken's pre-tokenizer always breaks there (" word"
 * starts a new piece), so the sum of the slices' counts equals the whole count. Without such a space in
 * the last quarter of the slice, cut at `end` (never inside a surrogate pair): off by a token at most.
 */
export function sliceEnd(text: string, start: number, end: number): number {
  if (end >= text.length) return text.length;
  const floor = start + Math.floor((end - start) * 0.75);
  for (let i = end; i > floor; i--) {
    if (text.charCodeAt(i) === 32 && !/\s/.test(text[i - 1]) && i + 1 < text.length && !/\s/.test(text[i + 1])) return i;
  }
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/**
 * One tokenizer per process. Encoders are created once and reused (creating one per call is ~100x slower).
 * Special-token text such as "<|endoftext|>" is counted as ordinary text: model output and user text
 * contain it, and tiktoken would otherwise throw.
 */
@Injectable()
export class TokenizerService implements OnModuleDestroy {
  private readonly logger = new Logger(TokenizerService.name);
  private readonly encoders = new Map<TiktokenEncoding, Tiktoken | null>();
  private warned = false;

  count(text: string, model = ''): number {
    if (!text) return 0;
    const encoder = this.encoder(encodingForModel(model));
    if (!encoder) return Math.ceil(text.length / 4);
    if (text.length < LONG_RUN_CHARS || !LONG_RUN_TEST.test(text)) return encoder.encode_ordinary(text).length;
    // tiktoken's merge is quadratic in the length of one pre-token: a reply of 64 k letters without a
    // space took 7 s, a megabyte minutes. Such runs are counted in 1 k pieces (off by < 1 token per piece).
    let total = 0;
    let last = 0;
    for (const match of text.matchAll(LONG_RUN)) {
      const at = match.index;
      if (at > last) total += encoder.encode_ordinary(text.slice(last, at)).length;
      for (let i = 0; i < match[0].length; i += RUN_PIECE_CHARS) total += encoder.encode_ordinary(match[0].slice(i, i + RUN_PIECE_CHARS)).length;
      last = at + match[0].length;
    }
    if (last < text.length) total += encoder.encode_ordinary(text.slice(last)).length;
    return total;
  }

  /**
   * The same count without holding the event loop: a long text (a provider's reply can be a megabyte) is
   * counted in slices with a setImmediate between them, so /health and other requests are served while
   * it runs. Short texts are counted at once.
   */
  async countAsync(text: string, model = ''): Promise<number> {
    if (text.length <= ASYNC_COUNT_THRESHOLD_CHARS) return this.count(text, model);
    let total = 0;
    for (let start = 0; start < text.length;) {
      const end = sliceEnd(text, start, start + COUNT_SLICE_CHARS);
      total += this.count(text.slice(start, end), model);
      start = end;
      if (start < text.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return total;
  }

  onModuleDestroy(): void {
    for (const encoder of this.encoders.values()) encoder?.free();
    this.encoders.clear();
  }

  private encoder(encoding: TiktokenEncoding): Tiktoken | null {
    let encoder = this.encoders.get(encoding);
    if (encoder === undefined) {
      try {
        encoder = get_encoding(encoding);
      } catch (e) {
        encoder = null;
        if (!this.warned) {
          this.warned = true;
          this.logger.warn(`tiktoken ${encoding} could not load (${(e as Error).message}); counting ceil(chars / 4)`);
        }
      }
      this.encoders.set(encoding, encoder);
    }
    return encoder;
  }
}
