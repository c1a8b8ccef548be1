import { Injectable } from '@nestjs/common';
import { runSql } from '@app/config';
import { DataSource, EntityManager, In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import type { ParticipantResponse, TierDecisionRecord } from '../deliberation.types';
import type { RoundState } from '../state/engine-state';
import { RecordedCallEntity, ResponseEntity, RoundEntity } from './deliberation.entities';

/** A simple-json column's value: JSON text, or NULL for null. */
function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A response row as the engine's state holds it. */
export function participantResponse(row: ResponseEntity): ParticipantResponse {
  return {
    participantIndex: row.participantIndex,
    adapter: row.adapter,
    model: row.model,
    tier: row.tier as ParticipantResponse['tier'],
    text: row.text,
    vote: row.vote ?? null,
    voteError: (row.voteError as ParticipantResponse['voteError']) ?? null,
    error: row.error ?? null,
    latencyMs: row.latencyMs,
    usage: row.usage,
    costUsd: row.costUsd,
    ...(row.voteRetry
      ? {
          voteRetry: {
            usage: row.voteRetry.usage,
            costUsd: row.voteRetry.costUsd,
            ...(row.voteRetry.text !== null ? { text: row.voteRetry.text } : {}),
            ...(row.voteRetry.errorKind ? { errorKind: row.voteRetry.errorKind } : {}),
          },
        }
      : {}),
    ...(row.truncated ? { truncated: true } : {}),
  };
}

/**
 * Rounds and their answers (deliberation_rounds, deliberation_responses). The writes take the caller's
 * transaction: an answer commits with its ledger rows (CallRecorder), a round with its checkpoint (StateStore).
 */
@Injectable()
export class RoundRepository {
  constructor(private readonly dataSource: DataSource) {}

  async start(manager: EntityManager, deliberationId: string, round: number, decisions: TierDecisionRecord[], startedAt: Date): Promise<void> {
    // A round restarted after a crash or a pause starts afresh: one statement, whichever it is (plain SQL, see
    // runSql). A completed round is never reopened: only a run that another worker superseded would try.
    await runSql(
      manager,
      `INSERT INTO deliberation_rounds (deliberation_id, number, started_at, completed_at, convergence, decisions)
      VALUES (:deliberationId, :number, :startedAt, NULL, NULL, :decisions)
      ON CONFLICT (deliberation_id, number) DO UPDATE SET
        started_at = excluded.started_at, completed_at = NULL, convergence = NULL, decisions = excluded.decisions
      WHERE deliberation_rounds.completed_at IS NULL`,
      { deliberationId, number: round, startedAt: startedAt.toISOString(), decisions: JSON.stringify(decisions) },
    );
  }

  /** A participant re-called after a failure (or after a crash) replaces its failed answer. */
  async saveResponse(manager: EntityManager, deliberationId: string, round: number, response: ParticipantResponse, now: Date): Promise<void> {
    const voteRetry = response.voteRetry
      ? {
          text: response.voteRetry.text ?? null,
          errorKind: response.voteRetry.errorKind ?? null,
          usage: response.voteRetry.usage,
          costUsd: response.voteRetry.costUsd,
        }
      : null;
    // Plain SQL (see runSql): this runs for every answer. JSON columns are stored as simple-json stores them.
    await runSql(
      manager,
      `INSERT INTO deliberation_responses (deliberation_id, round, participant_index, adapter, model, tier, text, vote,
        vote_error, error, latency_ms, usage, cost_usd, created_at, truncated, vote_retry)
      VALUES (:deliberationId, :round, :participantIndex, :adapter, :model, :tier, :text, :vote, :voteError, :error,
        :latencyMs, :usage, :costUsd, :createdAt, :truncated, :voteRetry)
      ON CONFLICT (deliberation_id, round, participant_index) DO UPDATE SET
        adapter = excluded.adapter, model = excluded.model, tier = excluded.tier, text = excluded.text,
        vote = excluded.vote, vote_error = excluded.vote_error, error = excluded.error,
        latency_ms = excluded.latency_ms, usage = excluded.usage, cost_usd = excluded.cost_usd,
        created_at = excluded.created_at, truncated = excluded.truncated, vote_retry = excluded.vote_retry`,
      {
        deliberationId,
        round,
        participantIndex: response.participantIndex,
        adapter: response.adapter,
        model: response.model,
        tier: response.tier,
        text: response.text,
        vote: jsonOrNull(response.vote),
        voteError: response.voteError ?? null,
        error: jsonOrNull(response.error),
        latencyMs: response.latencyMs,
        usage: JSON.stringify(response.usage),
        costUsd: response.costUsd,
        createdAt: now.toISOString(),
        truncated: response.truncated === true,
        voteRetry: jsonOrNull(voteRetry),
      },
    );
  }

  /** False when the round was already complete: another run (a cluster's worker that took it over) completed it first. */
  async complete(manager: EntityManager, deliberationId: string, round: RoundState): Promise<boolean> {
    const convergence = round.convergence
      ? { score: round.convergence.score, status: round.convergence.status, perParticipant: round.convergence.perParticipant }
      : null;
    const updated = await runSql(
      manager,
      `UPDATE deliberation_rounds SET completed_at = :completedAt, convergence = :convergence
      WHERE deliberation_id = :deliberationId AND number = :number AND completed_at IS NULL`,
      { completedAt: round.completedAt, convergence: jsonOrNull(convergence), deliberationId, number: round.number },
    );
    return updated === 1;
  }

  /** Answers stored for a round that never completed (the process died or the run was stopped mid-round). */
  async partialResponses(deliberationId: string, round: number): Promise<ParticipantResponse[]> {
    const rows = await this.dataSource.getRepository(ResponseEntity).find({ where: { deliberationId, round }, order: { participantIndex: 'ASC' } });
    return rows.map(participantResponse);
  }

  /** Records an answer's idempotency key in the answer's transaction; false when it is recorded already. */
  async claimCall(manager: EntityManager, callKey: string, deliberationId: string, round: number, participantIndex: number, now: Date): Promise<boolean> {
    const inserted = await runSql(
      manager,
      `INSERT INTO recorded_calls (call_key, deliberation_id, round, participant_index, created_at)
      VALUES (:callKey, :deliberationId, :round, :participantIndex, :createdAt) ON CONFLICT (call_key) DO NOTHING`,
      { callKey, deliberationId, round, participantIndex, createdAt: now.toISOString() },
    );
    return inserted === 1;
  }

  /** Calls recorded per participant in a round (the attempts already made: the next call's key counts on from them). */
  async attemptsIn(deliberationId: string, round: number): Promise<Record<number, number>> {
    const rows = await this.dataSource.getRepository(RecordedCallEntity).find({ where: { deliberationId, round }, select: { participantIndex: true } });
    const attempts: Record<number, number> = {};
    for (const row of rows) attempts[row.participantIndex] = (attempts[row.participantIndex] ?? 0) + 1;
    return attempts;
  }

  /** How many rounds of a deliberation are complete (each with its checkpoint): the next round is this + 1. */
  async completedCount(deliberationId: string): Promise<number> {
    return this.dataSource.getRepository(RoundEntity).count({ where: { deliberationId, completedAt: Not(IsNull()) } });
  }

  /** A deliberation's completed rounds 1..`count`, whole, as the engine's state holds them. */
  async completedRounds(deliberationId: string, count: number): Promise<RoundState[]> {
    if (count <= 0) return [];
    const [rounds, responses] = await Promise.all([
      this.dataSource.getRepository(RoundEntity).find({ where: { deliberationId, number: LessThanOrEqual(count) }, order: { number: 'ASC' } }),
      this.dataSource
        .getRepository(ResponseEntity)
        .find({ where: { deliberationId, round: LessThanOrEqual(count) }, order: { round: 'ASC', participantIndex: 'ASC' } }),
    ]);
    return rounds.map((r) => ({
      number: r.number,
      startedAt: r.startedAt,
      completedAt: r.completedAt ?? '',
      responses: responses.filter((x) => x.round === r.number).map(participantResponse),
      convergence: r.convergence ? { score: r.convergence.score, status: r.convergence.status, perParticipant: r.convergence.perParticipant ?? [] } : null,
      decisions: r.decisions ?? [],
    }));
  }

  /** The answer texts (and vote-retry texts) of a deliberation up to a round, for a checkpoint that leaves them out. */
  async textsUpTo(deliberationId: string, round: number): Promise<Array<Pick<ResponseEntity, 'round' | 'participantIndex' | 'text' | 'voteRetry'>>> {
    return this.dataSource.getRepository(ResponseEntity).find({
      where: { deliberationId, round: LessThanOrEqual(round) },
      select: { round: true, participantIndex: true, text: true, voteRetry: true },
    });
  }

  /** A deleted deliberation's rounds, answers and call keys, in the caller's transaction. */
  async deleteFor(manager: EntityManager, deliberationId: string): Promise<void> {
    await manager.delete(ResponseEntity, { deliberationId });
    await manager.delete(RoundEntity, { deliberationId });
    await manager.delete(RecordedCallEntity, { deliberationId });
  }

  /** Every round and answer of the given deliberations, in order. */
  async of(deliberationIds: string[]): Promise<{ rounds: RoundEntity[]; responses: ResponseEntity[] }> {
    if (!deliberationIds.length) return { rounds: [], responses: [] };
    const [rounds, responses] = await Promise.all([
      this.dataSource.getRepository(RoundEntity).find({ where: { deliberationId: In(deliberationIds) }, order: { number: 'ASC' } }),
      this.dataSource.getRepository(ResponseEntity).find({ where: { deliberationId: In(deliberationIds) }, order: { round: 'ASC', participantIndex: 'ASC' } }),
    ]);
    return { rounds, responses };
  }

  /** A fork starts with its parent's rounds up to the checkpoint it forks from (later ones never happened in it). */
  async copy(manager: EntityManager, fromId: string, toId: string, upToRound: number): Promise<void> {
    const rounds = await manager.find(RoundEntity, { where: { deliberationId: fromId }, order: { number: 'ASC' } });
    for (const r of rounds.filter((x) => x.number <= upToRound && x.completedAt)) {
      await manager.insert(RoundEntity, {
        deliberationId: toId,
        number: r.number,
        startedAt: r.startedAt,
        completedAt: r.completedAt,
        convergence: r.convergence,
        decisions: r.decisions,
      });
    }
    const responses = await manager.find(ResponseEntity, { where: { deliberationId: fromId }, order: { round: 'ASC', participantIndex: 'ASC' } });
    for (const r of responses.filter((x) => x.round <= upToRound)) {
      const { id: _omit, ...copy } = r;
      await manager.insert(ResponseEntity, { ...copy, deliberationId: toId });
    }
  }
}
