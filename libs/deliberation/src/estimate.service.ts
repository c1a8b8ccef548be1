import { Inject, Injectable } from '@nestjs/common';
import { AdapterRegistry } from '@app/adapters';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { BudgetLedger } from '@app/tiering';
import { PriceTable, TokenizerService } from '@app/tokens';
import type { HistoryPolicy, ParticipantSpec } from './deliberation.types';
import { DeliberationService, type StartDeliberation } from './deliberation.service';
import { buildPrompt, estimateDeliberation, type Range, type RoundEstimate } from './rules';

/** English prose with markdown runs at about 1.4 tokens per word in cl100k/o200k. */
const TOKENS_PER_WORD = 1.4;

export interface DeliberationEstimate {
  historyPolicy: HistoryPolicy;
  maxRounds: number;
  participants: Array<{ participantIndex: number; adapter: string; model: string; priced: boolean }>;
  rounds: RoundEstimate[];
  total: Omit<RoundEstimate, 'round'>;
  /** Where the estimate stands against the request's own budget and each budget window's room. */
  budget: {
    deliberation: { maxTokens: number | null; maxCostUsd: number | null; fits: boolean };
    windows: Array<{ window: string; remaining: { tokens: number | null; usd: number | null }; fits: boolean }>;
    /** The high case fits every limit (a USD limit with unpriced models never fits: its cost is unknown). */
    fits: boolean;
  };
  assumptions: string[];
}

/**
 * `POST /v1/deliberations/estimate`: what a deliberation would cost before anything is called or
 * stored. Validated like a create (same participants check), priced from the price table, compared
 * with the budget windows' room.
 */
@Injectable()
export class EstimateService {
  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly deliberations: DeliberationService,
    private readonly registry: AdapterRegistry,
    private readonly prices: PriceTable,
    private readonly tokenizer: TokenizerService,
    private readonly ledger: BudgetLedger,
  ) {}

  estimate(input: StartDeliberation): DeliberationEstimate {
    const d = this.config.deliberation;
    const request = this.deliberations.accept(input);
    const { maxRounds } = request;
    const policy = request.history ?? d.history;
    const expectedAnswer = Math.min(d.maxOutputTokens, Math.round(d.answerWords * TOKENS_PER_WORD));
    const answerTokens: Range = { low: Math.round(expectedAnswer / 2), expected: expectedAnswer, high: d.maxOutputTokens };
    const participants = request.participants.map((spec) => this.participant(spec, input));
    const { rounds, total } = estimateDeliberation({
      participants: participants.map((p) => p.estimate),
      maxRounds,
      policy,
      digestTokens: d.digestTokens,
      answerTokens,
      earliestStop: this.earliestStop(maxRounds),
    });

    const own = { maxTokens: request.budget?.maxTokens ?? null, maxCostUsd: request.budget?.maxCostUsd ?? null };
    const costFits = (limit: number | null) => limit === null || (total.costUsd !== null && total.costUsd.high <= limit);
    const deliberation = { ...own, fits: (own.maxTokens === null || total.tokens.high <= own.maxTokens) && costFits(own.maxCostUsd) };
    const windows = this.ledger.status().map((w) => ({
      window: w.window,
      remaining: w.remaining,
      fits: (w.remaining.tokens === null || total.tokens.high <= w.remaining.tokens) && costFits(w.remaining.usd),
    }));
    return {
      historyPolicy: policy,
      maxRounds,
      participants: participants.map((p) => p.view),
      rounds,
      total,
      budget: { deliberation, windows, fits: deliberation.fits && windows.every((w) => w.fits) },
      assumptions: [
        `answers of ${answerTokens.low} (low), ${answerTokens.expected} (expected: ${d.answerWords} words asked) and ${answerTokens.high} (high: the output cap) tokens`,
        `low stops at round ${this.earliestStop(maxRounds)} (the earliest stop the rules allow); expected and high run all ${maxRounds} round(s)`,
        "automatic tiers priced at the adapter's reasoning model",
        'a model without a price makes the cost unknown (null), never $0',
      ],
    };
  }

  /** Nothing stops before round 2 (a stop compares two rounds) nor before minRounds; maxRounds always ends it. */
  private earliestStop(maxRounds: number): number {
    return Math.min(maxRounds, Math.max(2, this.config.deliberation.minRounds));
  }

  private participant(spec: ParticipantSpec, input: StartDeliberation) {
    const adapter = this.registry.get(spec.adapter);
    const model = spec.model ?? (spec.tier === 'fast' ? adapter.models.fast : adapter.models.reasoning);
    const count = (text: string) => this.tokenizer.count(text, model);
    const built = buildPrompt({
      question: input.question,
      context: input.context,
      participant: { index: spec.index, adapter: spec.adapter, model, stance: spec.stance, role: spec.role },
      round: 1,
      history: [],
      budgetTokens: Number.MAX_SAFE_INTEGER,
      countTokens: count,
      answerWords: this.config.deliberation.answerWords,
    });
    const price = this.prices.lookup(model, adapter.provider);
    return {
      view: { participantIndex: spec.index, adapter: spec.adapter, model, priced: price !== null },
      estimate: {
        baseTokens: built.tokens,
        promptRoomTokens: Math.max(256, adapter.contextTokens - this.config.deliberation.maxOutputTokens),
        price: price && { input: price.input, output: price.output },
      },
    };
  }
}
