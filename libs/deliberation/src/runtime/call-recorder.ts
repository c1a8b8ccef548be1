import type { ModelClass } from '@app/config';
import { Injectable } from '@nestjs/common';
import { AdapterRegistry } from '@app/adapters';

import { BudgetLedger } from '@app/tiering';

import { MetricsService, TokenLedger, type TokenUsage } from '@app/tokens';

import { DataSource, EntityManager } from 'typeorm';

import type { ParticipantResponse } from '../deliberation.types';
import { RoundRepository } from '../persistence/round.repository';

import { Clock } from '@app/config';

/** One provider call's tokens, as the ledger records them. */
export interface RecordedCall {
  /** The participant's index; -1 for the deliberation's own calls (the embeddings convergence backend). */
  participantIndex: number;
  tier: ModelClass;
  usage: TokenUsage;
  latencyMs: number;
  errorKind?: string;
  voteOption?: string;
  /** The participant's role, or the deliberation's own call's (chair, digest, embeddings). */
  role?: string;
}

/** Rolls an answer's transaction back: its call was recorded already. */
class AlreadyRecorded extends Error {}

/**
 * The one place a call's tokens go when they come back. In one transaction: the ledger row of every call
 * (the answer's, and its vote-only retry's), the answer's row, and the budget windows' totals; after it
 * commits, the metrics. So a stored answer always has its tokens counted, once, and the windows agree.
 * The call's reservation is settled by whoever holds it (the engine), after this returns.
 */
@Injectable()
export class CallRecorder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: TokenLedger,
    private readonly rounds: RoundRepository,
    private readonly budget: BudgetLedger,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly registry: AdapterRegistry,
  ) {}

  /**
   * An answer (or a failed call) and its vote-only retry; their costs are set on `response`. Resolves false,
   * writing nothing, when its idempotency key is already recorded: another worker recorded this very call.
   */
  async recordAnswer(deliberationId: string, round: number, response: ParticipantResponse, afterConvergence: boolean, role?: string): Promise<boolean> {
    const calls: RecordedCall[] = [];
    const { voteRetry } = response;
    if (voteRetry)
      calls.push({
        participantIndex: response.participantIndex,
        tier: response.tier,
        usage: voteRetry.usage,
        latencyMs: voteRetry.latencyMs ?? 0,
        errorKind: voteRetry.errorKind,
        role,
      });
    calls.push({
      participantIndex: response.participantIndex,
      tier: response.tier,
      usage: response.usage,
      latencyMs: response.latencyMs,
      errorKind: response.error?.kind,
      voteOption: response.vote?.option,
      role,
    });
    try {
      await this.commit(deliberationId, round, calls, afterConvergence, async (manager, costs) => {
        if (response.callKey && !(await this.rounds.claimCall(manager, response.callKey, deliberationId, round, response.participantIndex, this.clock.now()))) {
          throw new AlreadyRecorded();
        }
        if (voteRetry) voteRetry.costUsd = costs[0];
        response.costUsd = costs[costs.length - 1];
        await this.rounds.saveResponse(manager, deliberationId, round, response, this.clock.now());
      });
      return true;
    } catch (e) {
      if (e instanceof AlreadyRecorded) return false;
      throw e;
    }
  }

  /** A call with no answer row (the embeddings backend's); returns its cost (null when unpriced). */
  async recordCall(deliberationId: string, round: number, call: RecordedCall): Promise<number | null> {
    const costs = await this.commit(deliberationId, round, [call], false);
    return costs[0];
  }

  private async commit(
    deliberationId: string,
    round: number,
    calls: RecordedCall[],
    afterConvergence: boolean,
    alsoWrite?: (manager: EntityManager, costs: Array<number | null>) => Promise<void>,
  ): Promise<Array<number | null>> {
    const { costs, countInWindows } = await this.dataSource.transaction(async (manager) => {
      const costs: Array<number | null> = [];
      for (const call of calls) {
        const recorded = await this.ledger.recordUsage(manager, { deliberationId, round, ...call, afterConvergence });
        costs.push(recorded.costUsd);
      }
      await alsoWrite?.(manager, costs);
      const tokens = calls.reduce((sum, c) => sum + c.usage.totalTokens, 0);
      const usd = costs.reduce<number>((sum, c) => sum + (c ?? 0), 0);
      // A local (T0) adapter's tokens do not count in a `scope: paid` window.
      const adapter = calls[0]?.usage.adapter;
      const local = adapter !== undefined && this.registry.has(adapter) && this.registry.get(adapter).tier === 'T0';
      return { costs, countInWindows: await this.budget.recordWithin(manager, { tokens, usd, local }) };
    });
    countInWindows();
    calls.forEach((call, i) => this.metrics.observeCall({ deliberationId, round, ...call }, costs[i]));
    return costs;
  }
}
