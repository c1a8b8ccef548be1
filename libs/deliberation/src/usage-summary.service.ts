import { Injectable } from '@nestjs/common';
import { UsageService, type UsageSummary } from '@app/tokens';
import { DeliberationRepository } from './persistence/deliberation.repository';
import { decisionFigures, type DecisionFigures } from './rules';
import { Clock } from './runtime/clock';

/** The summary's window, as the token summary's: the last 7 days. */
const SUMMARY_DAYS = 7;

/**
 * `GET /v1/usage/summary`: the token summary (rates, top spenders, suggestions) and, from the
 * deliberations finished in the same window, tokens and cost per decision and what the history
 * policy and early stops saved.
 */
@Injectable()
export class UsageSummaryService {
  constructor(
    private readonly usage: UsageService,
    private readonly repository: DeliberationRepository,
    private readonly clock: Clock,
  ) {}

  async summary(): Promise<UsageSummary & { decisions: DecisionFigures }> {
    const now = this.clock.now();
    const from = new Date(now.getTime() - SUMMARY_DAYS * 86_400_000).toISOString();
    const [tokens, finished] = await Promise.all([this.usage.summary(now), this.repository.finishedSince(from)]);
    return {
      ...tokens,
      decisions: decisionFigures(finished.map((d) => ({ mode: d.mode, stopReason: d.result.stopReason, economy: d.result.economy! }))),
    };
  }
}
