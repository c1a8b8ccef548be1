import { TokenizerService } from '@app/tokens';
import { clearMergeCache, countTokens as gptCount } from 'gpt-tokenizer/cjs/encoding/cl100k_base';
import { performance } from 'node:perf_hooks';
import { get_encoding } from 'tiktoken';
import { benchAnswer } from '../support/answers';
import { figure, round, type Figure } from '../support/stats';

export interface TokenizerCase {
  label: string;
  characters: number;
  tokens: number;
  /** Whether the three counted the same number of tokens. */
  sameCounts: boolean;
  tokensPerSec: { service: Figure; tiktoken: Figure; gptTokenizer: Figure };
  /** service ÷ raw tiktoken (goal ≥ 0.9) and gpt-tokenizer ÷ raw tiktoken, from the medians. */
  ratios: { serviceToTiktoken: number; gptTokenizerToTiktoken: number };
}

/** English-like prose with code, numbers and some non-Latin text: what deliberation answers look like. */
function sampleText(chars: number): string {
  const parts = [
    'The billing service polls the processor every 30 seconds; 98% of those calls return "no change". ',
    'Webhooks invert the flow: the processor tells us when a payment changes state, usually within a second. ',
    '```ts\nconst event = verifySignature(req.headers["x-signature"], rawBody);\nawait inbox.insert({ id: event.id, payload: event });\n```\n',
    'Idempotency keys, retries with exponential backoff (base 250 ms, factor 2, cap 30 s) and a nightly reconciliation job. ',
    'Résumé: les webhooks réduisent la latence de 30 s à ~1 s. 要点：签名校验、幂等消费、夜间对账。 ',
  ];
  let text = '';
  for (let i = 0; text.length < chars; i++) text += parts[i % parts.length] + benchAnswer(i % 8, i, 300) + '\n\n';
  return text.slice(0, chars);
}

function smallStrings(count: number): string[] {
  const text = sampleText(count * 200);
  const out: string[] = [];
  for (let i = 0, at = 0; i < count; i++) {
    const length = 20 + ((i * 37) % 180);
    out.push(text.slice(at, at + length));
    at += length;
  }
  return out;
}

type Counter = (text: string) => number;

function timeCounting(texts: readonly string[], count: Counter, before?: () => void): { seconds: number; tokens: number } {
  before?.();
  const t0 = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += count(text);
  return { seconds: (performance.now() - t0) / 1000, tokens };
}

function measure(label: string, texts: readonly string[], runs: number, service: TokenizerService, tiktoken: Counter): TokenizerCase {
  const impls: Array<[keyof TokenizerCase['tokensPerSec'], Counter, (() => void) | undefined]> = [
    ['service', (t) => service.count(t), undefined],
    ['tiktoken', tiktoken, undefined],
    // gpt-tokenizer keeps a merge cache across calls; cleared before each run so runs are independent.
    ['gptTokenizer', (t) => gptCount(t), () => clearMergeCache()],
  ];
  const rates: Record<string, number[]> = { service: [], tiktoken: [], gptTokenizer: [] };
  const totals: Record<string, number> = {};
  for (const [name, count, before] of impls) totals[name] = timeCounting(texts, count, before).tokens; // warm-up
  for (let run = 0; run < runs; run++) {
    // Interleaved, and in a rotating order, so drift (thermal, GC) hits all three alike.
    for (let k = 0; k < impls.length; k++) {
      const [name, count, before] = impls[(run + k) % impls.length];
      const { seconds, tokens } = timeCounting(texts, count, before);
      rates[name].push(tokens / seconds);
    }
  }
  const tokensPerSec = { service: figure(rates.service, 0), tiktoken: figure(rates.tiktoken, 0), gptTokenizer: figure(rates.gptTokenizer, 0) };
  return {
    label,
    characters: texts.reduce((sum, t) => sum + t.length, 0),
    tokens: totals.tiktoken,
    sameCounts: totals.service === totals.tiktoken && totals.gptTokenizer === totals.tiktoken,
    tokensPerSec,
    ratios: {
      serviceToTiktoken: round(tokensPerSec.service.median / tokensPerSec.tiktoken.median, 3),
      gptTokenizerToTiktoken: round(tokensPerSec.gptTokenizer.median / tokensPerSec.tiktoken.median, 3),
    },
  };
}

/** Scenario 4: the project's tokenizer service against raw tiktoken and gpt-tokenizer (all cl100k_base). */
export function tokenizer(runs: number): TokenizerCase[] {
  const service = new TokenizerService();
  const encoding = get_encoding('cl100k_base');
  const raw: Counter = (t) => encoding.encode_ordinary(t).length;
  try {
    return [measure('1 MB of text', [sampleText(1024 * 1024)], runs, service, raw), measure('5,000 small strings', smallStrings(5000), runs * 2, service, raw)];
  } finally {
    encoding.free();
    service.onModuleDestroy();
  }
}
