import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { get_encoding, Tiktoken, TiktokenEncoding } from 'tiktoken';

/** The encodings the service uses; models not named here count with cl100k_base. */
export function encodingForModel(model: string): TiktokenEncoding {
  const name = model.toLowerCase().replace(/^.*\//, '');
  return /^(gpt-4o|gpt-4\.1|gpt-5|o\d)/.test(name) ? 'o200k_base' : 'cl100k_base';
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
    return encoder.encode_ordinary(text).length;
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
