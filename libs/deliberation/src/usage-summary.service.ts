import { Injectable } from '@nestjs/common';
import { UsageService, type UsageSummary } from '@app/tokens';
import { DeliberationRepository } from './persistence/deliberation.repository';
import { decisionFigures, type DecisionFigures } from './rules';
import { Clock } from '@app/config';

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
    // The decisions are read over the token summary's own window, so both halves cover the same days.
    const tokens = await this.usage.summary(this.clock.now());
    const finished = await this.repository.finishedSince(tokens.from);
    return {
      ...tokens,
      decisions: decisionFigures(finished.map((d) => ({ mode: d.mode, stopReason: d.result.stopReason, economy: d.result.economy! }))),
    };
  }
}
