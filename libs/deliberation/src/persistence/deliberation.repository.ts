import { Injectable } from '@nestjs/common';
import { CheckpointStore } from '@app/checkpoint';
import { DomainError, runSql } from '@app/config';
import { TokenLedger, type TokenUsage } from '@app/tokens';
import { DataSource, EntityManager, In, LessThanOrEqual, MoreThanOrEqual } from 'typeorm';
import type { DeliberationRequest, DeliberationResult, DeliberationStatus, ParticipantResponse, TierDecisionRecord } from '../deliberation.types';
import { linksFor, type DeliberationView, type ResponseView, type ResumeRecord, type RoundView } from '../deliberation.view';
import type { EngineState, PauseInfo, RoundState, RuntimeState } from '../engine/engine.ports';
import { DeliberationEntity, ResponseEntity, RoundEntity } from './deliberation.entities';
import { upgradeState } from './state-upgrade';

/** Bumped whenever EngineState changes shape; `upgradeState` reads older ones. */
export const STATE_SCHEMA_VERSION = 2;

export interface NewDeliberation {
  id: string;
  request: DeliberationRequest;
  status: DeliberationStatus;
  now: Date;
  parentId?: string;
  forkedFromCheckpointId?: string;
  latestCheckpointId?: string;
  runtime?: RuntimeState;
}

/** What loading a checkpoint's state needs of it. */
export interface CheckpointWithState {
  id: string;
  deliberationId: string;
  schemaVersion: number;
  state: unknown;
}

export interface ListQuery {
  status?: DeliberationStatus;
  limit: number;
  cursor?: { createdAt: string; id: string };
}

/** A simple-json column's value: JSON text, or NULL for null. */
function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function emptyRuntime(): RuntimeState {
  return { failureStreaks: {}, warned: [], activeMs: 0 };
}

function responseView(row: ResponseEntity): ResponseView {
  const usage = row.usage as ParticipantResponse['usage'];
  return {
    participantIndex: row.participantIndex,
    adapter: row.adapter,
    model: row.model,
    tier: row.tier,
    text: row.text,
    vote: (row.vote as ResponseView['vote']) ?? null,
    voteError: (row.voteError as ResponseView['voteError']) ?? null,
    error: (row.error as ResponseView['error']) ?? null,
    latencyMs: row.latencyMs,
    tokens: {
      input: usage.inputTokens,
      output: usage.outputTokens,
      reasoning: usage.reasoningTokens,
      cachedInput: usage.cachedInputTokens,
      total: usage.totalTokens,
      accuracy: usage.accuracy,
    },
    costUsd: row.costUsd,
    truncated: row.truncated === true || (row.truncated as unknown) === 1,
    voteRetry: row.voteRetry ? { text: row.voteRetry.text, errorKind: row.voteRetry.errorKind, tokens: row.voteRetry.usage.totalTokens, costUsd: row.voteRetry.costUsd } : null,
  };
}

/** A response row as the engine's state holds it. */
function participantResponse(row: ResponseEntity): ParticipantResponse {
  return {
    participantIndex: row.participantIndex,
    adapter: row.adapter,
    model: row.model,
    tier: row.tier as ParticipantResponse['tier'],
    text: row.text,
    vote: (row.vote as ParticipantResponse['vote']) ?? null,
    voteError: (row.voteError as ParticipantResponse['voteError']) ?? null,
    error: (row.error as ParticipantResponse['error']) ?? null,
    latencyMs: row.latencyMs,
    usage: row.usage as ParticipantResponse['usage'],
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
 * The state a checkpoint stores: answer texts (and vote-retry texts) left out, since they already live in
 * deliberation_responses. A completed round's rows never change afterwards in their deliberation (a
 * resume continues after it; a fork copies them under a new id), so loading restores exactly the answers
 * as of the checkpoint, and a large answer is stored once instead of once per later checkpoint.
 */
function withoutTexts(state: EngineState): EngineState {
  const strip = (r: ParticipantResponse): ParticipantResponse => {
    const { text: _text, voteRetry, ...rest } = r;
    if (!voteRetry) return rest as ParticipantResponse;
    const { text: _retryText, ...retry } = voteRetry;
    return { ...rest, voteRetry: retry } as ParticipantResponse;
  };
  return { ...state, rounds: state.rounds.map((round) => ({ ...round, responses: round.responses.map(strip) })), partial: state.partial.map(strip) };
}

/** Deliberations, their rounds and responses, written as they happen. */
@Injectable()
export class DeliberationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: TokenLedger,
    private readonly checkpoints: CheckpointStore,
  ) {}

  async create(d: NewDeliberation, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const now = d.now.toISOString();
    await manager.insert(DeliberationEntity, {
      id: d.id,
      status: d.status,
      question: d.request.question,
      mode: d.request.mode,
      maxRounds: d.request.maxRounds,
      request: d.request,
      participants: d.request.participants,
      result: null,
      pause: null,
      failure: null,
      latestCheckpointId: d.latestCheckpointId ?? null,
      parentId: d.parentId ?? null,
      forkedFromCheckpointId: d.forkedFromCheckpointId ?? null,
      resumes: [],
      runtime: d.runtime ?? emptyRuntime(),
      createdAt: now,
      updatedAt: now,
    });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.dataSource.getRepository(DeliberationEntity).countBy({ id })) > 0;
  }

  async find(id: string): Promise<DeliberationEntity | null> {
    return this.dataSource.getRepository(DeliberationEntity).findOneBy({ id });
  }

  async setStatus(
    id: string,
    status: DeliberationStatus,
    now: Date,
    extra: { result?: DeliberationResult | null; pause?: PauseInfo | null; failure?: string | null; runtime?: RuntimeState } = {},
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.update(DeliberationEntity, { id }, { status, updatedAt: now.toISOString(), ...extra });
      if (status === 'completed' || status === 'failed' || status === 'cancelled') await this.checkpoints.markDeliberationFinished(manager, id);
    });
  }

  /** Moves a deliberation from one of `from` to `to` only if it is still there: the guard against double resumes. */
  async transition(id: string, from: DeliberationStatus[], to: DeliberationStatus, now: Date, extra: Partial<DeliberationEntity> = {}): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(DeliberationEntity)
      .set({ status: to, updatedAt: now.toISOString(), ...extra })
      .where({ id, status: In(from) })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async addResume(id: string, resume: ResumeRecord, request: DeliberationRequest): Promise<void> {
    const row = await this.find(id);
    if (!row) return;
    await this.dataSource.getRepository(DeliberationEntity).update(
      { id },
      { resumes: [...((row.resumes as ResumeRecord[]) ?? []), resume], request, participants: request.participants, maxRounds: request.maxRounds, pause: null },
    );
  }

  async idsWithStatus(statuses: DeliberationStatus[]): Promise<string[]> {
    const rows = await this.dataSource.getRepository(DeliberationEntity).find({ where: { status: In(statuses) }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  /** Completed deliberations finished at or after `from` whose result carries its economy. */
  async finishedSince(from: string): Promise<Array<{ mode: string; result: DeliberationResult }>> {
    const rows = await this.dataSource.getRepository(DeliberationEntity).find({
      where: { status: 'completed', updatedAt: MoreThanOrEqual(from) },
      select: { mode: true, result: true },
    });
    return rows.flatMap((r) => (r.result?.economy ? [{ mode: r.mode, result: r.result }] : []));
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; count: number | string }> = await this.dataSource
      .getRepository(DeliberationEntity)
      .createQueryBuilder('d')
      .select('d.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('d.status')
      .getRawMany();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }

  async roundStarted(id: string, round: number, decisions: TierDecisionRecord[], startedAt: Date): Promise<void> {
    // A round restarted after a crash or a pause starts afresh: one statement, whichever it is (plain SQL, see runSql).
    await runSql(
      this.dataSource.manager,
      `INSERT INTO deliberation_rounds (deliberation_id, number, started_at, completed_at, convergence, decisions)
      VALUES (:deliberationId, :number, :startedAt, NULL, NULL, :decisions)
      ON CONFLICT (deliberation_id, number) DO UPDATE SET
        started_at = excluded.started_at, completed_at = NULL, convergence = NULL, decisions = excluded.decisions`,
      { deliberationId: id, number: round, startedAt: startedAt.toISOString(), decisions: JSON.stringify(decisions) },
    );
  }

  /** The response and its token usage commit together: a stored answer always has its tokens counted, once. */
  async recordResponse(
    id: string,
    round: number,
    response: ParticipantResponse,
    afterConvergence: boolean,
    now: Date,
  ): Promise<{ costUsd: number | null }> {
    // The retry's own usage row is written by recordCall (before this, as the engine records it); here
    // its text is kept with the answer it completes.
    const voteRetry = response.voteRetry
      ? { text: response.voteRetry.text ?? null, errorKind: response.voteRetry.errorKind ?? null, usage: response.voteRetry.usage, costUsd: response.voteRetry.costUsd }
      : null;
    return this.dataSource.transaction(async (manager) => {
      const recorded = await this.ledger.recordUsage(manager, {
          deliberationId: id,
          round,
          participantIndex: response.participantIndex,
          tier: response.tier,
          usage: response.usage,
          latencyMs: response.latencyMs,
        errorKind: response.error?.kind,
        voteOption: response.vote?.option,
        afterConvergence,
      });
      // A participant re-called after a failure (or after a crash) replaces its failed answer. Plain SQL
      // (see runSql): this runs for every answer. JSON columns are stored as simple-json stores them.
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
          deliberationId: id,
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
          costUsd: recorded.costUsd,
          createdAt: now.toISOString(),
          truncated: response.truncated === true,
          voteRetry: jsonOrNull(voteRetry),
        },
      );
      return { costUsd: recorded.costUsd };
    });
  }

  /**
   * A call with no answer row of its own: the vote-only retry (its participant's index) or the
   * embeddings convergence backend (index -1, the deliberation itself).
   */
  async recordCall(
    id: string,
    round: number,
    call: { participantIndex: number; tier: 'fast' | 'reasoning'; usage: TokenUsage; latencyMs: number; errorKind?: string; afterConvergence?: boolean },
  ): Promise<{ costUsd: number | null }> {
    return this.dataSource.transaction(async (manager) => {
      const recorded = await this.ledger.recordUsage(manager, { deliberationId: id, round, ...call });
      return { costUsd: recorded.costUsd };
    });
  }

  /**
   * The round, its convergence and the checkpoint that captures it commit together. `figures` (token
   * totals, budget snapshot, next round) are stored beside the state for people and tools; loading a
   * checkpoint ignores them, since they follow from the state.
   */
  async roundCompleted(state: EngineState, round: RoundState, now: Date, figures: Record<string, unknown> = {}): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      // Plain SQL for the round's two updates (see runSql): they run every round.
      const convergence = round.convergence ? { score: round.convergence.score, status: round.convergence.status, perParticipant: round.convergence.perParticipant } : null;
      await runSql(
        manager,
        'UPDATE deliberation_rounds SET completed_at = :completedAt, convergence = :convergence WHERE deliberation_id = :deliberationId AND number = :number',
        { completedAt: round.completedAt, convergence: jsonOrNull(convergence), deliberationId: state.id, number: round.number },
      );
      const checkpoint = await this.checkpoints.save(manager, {
        deliberationId: state.id,
        round: round.number,
        reason: 'round',
        schemaVersion: STATE_SCHEMA_VERSION,
        state: { ...figures, ...withoutTexts(state) },
        now,
      });
      await runSql(
        manager,
        'UPDATE deliberations SET latest_checkpoint_id = :checkpointId, runtime = :runtime, updated_at = :updatedAt WHERE id = :id',
        { checkpointId: checkpoint.id, runtime: JSON.stringify(state.runtime), updatedAt: now.toISOString(), id: state.id },
      );
      return checkpoint.id;
    });
  }

  /**
   * A checkpoint of the state as it stands, outside a round (reason "pause", "shutdown" or "recovery"),
   * made the deliberation's latest: so one paused or interrupted before its first round can be resumed.
   */
  async saveCheckpoint(state: EngineState, reason: string, now: Date): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const checkpoint = await this.checkpoints.save(manager, {
        deliberationId: state.id,
        round: state.rounds.length,
        reason,
        schemaVersion: STATE_SCHEMA_VERSION,
        state: withoutTexts(state),
        now,
      });
      await manager.update(DeliberationEntity, { id: state.id }, { latestCheckpointId: checkpoint.id, updatedAt: now.toISOString() });
      return checkpoint.id;
    });
  }

  /** Answers stored for a round that never completed (the process died or the run was stopped mid-round). */
  async partialResponses(id: string, round: number): Promise<ParticipantResponse[]> {
    const rows = await this.dataSource.getRepository(ResponseEntity).find({ where: { deliberationId: id, round }, order: { participantIndex: 'ASC' } });
    return rows.map(participantResponse);
  }

  /** A checkpoint's state, upgraded to this release, with its answer texts (see restoreTexts). */
  async loadCheckpointState(checkpoint: CheckpointWithState): Promise<EngineState> {
    return upgradeState(checkpoint.schemaVersion, await this.restoreTexts(checkpoint));
  }

  /**
   * The stored state with the answer texts it leaves out (version 2 on) read back from its deliberation's
   * responses, up to its round; other fields (figures) kept. A completed round's answer must be there: a
   * checkpoint never silently resumes with an answer missing.
   */
  async restoreTexts(checkpoint: CheckpointWithState): Promise<unknown> {
    const state = checkpoint.state as Partial<EngineState> | null;
    if (!state || typeof state !== 'object' || !Array.isArray(state.rounds)) return state;
    const completed = state.rounds.length;
    const missing = (r: ParticipantResponse) => typeof r.text !== 'string' || (r.voteRetry !== undefined && r.voteRetry.text === undefined && !r.voteRetry.errorKind);
    const stripped = [
      ...state.rounds.flatMap((r) => r.responses.map((response) => ({ round: r.number, response }))),
      ...(state.partial ?? []).map((response) => ({ round: completed + 1, response })),
    ].filter((x) => missing(x.response));
    if (!stripped.length) return state;
    const rows = await this.dataSource.getRepository(ResponseEntity).find({
      where: { deliberationId: checkpoint.deliberationId, round: LessThanOrEqual(completed + 1) },
      select: { round: true, participantIndex: true, text: true, voteRetry: true },
    });
    const byKey = new Map(rows.map((row) => [`${row.round}:${row.participantIndex}`, row]));
    for (const { round, response } of stripped) {
      const row = byKey.get(`${round}:${response.participantIndex}`);
      if (!row) {
        // Only the round in progress may lack a row; its answers are read from the table again on a run.
        if (round > completed) {
          if (typeof response.text !== 'string') response.text = '';
          continue;
        }
        throw new DomainError('rule_violated', 'CHECKPOINT_CORRUPT', `checkpoint ${checkpoint.id}: the answer of participant ${response.participantIndex} in round ${round} is missing`);
      }
      if (typeof response.text !== 'string') response.text = row.text;
      if (response.voteRetry && row.voteRetry && row.voteRetry.text !== null) response.voteRetry.text = row.voteRetry.text;
    }
    return state;
  }

  /** A fork starts with its parent's rounds up to the checkpoint it forks from (later ones never happened in it). */
  async copyRounds(manager: EntityManager, fromId: string, toId: string, upToRound: number): Promise<void> {
    const rounds = await manager.find(RoundEntity, { where: { deliberationId: fromId }, order: { number: 'ASC' } });
    for (const r of rounds.filter((x) => x.number <= upToRound && x.completedAt)) {
      await manager.insert(RoundEntity, { deliberationId: toId, number: r.number, startedAt: r.startedAt, completedAt: r.completedAt, convergence: r.convergence, decisions: r.decisions });
    }
    const responses = await manager.find(ResponseEntity, { where: { deliberationId: fromId }, order: { round: 'ASC', participantIndex: 'ASC' } });
    for (const r of responses.filter((x) => x.round <= upToRound)) {
      const { id: _omit, ...copy } = r;
      await manager.insert(ResponseEntity, { ...copy, deliberationId: toId });
    }
  }

  async view(id: string): Promise<DeliberationView | null> {
    const row = await this.find(id);
    if (!row) return null;
    const [rounds, responses] = await Promise.all([
      this.dataSource.getRepository(RoundEntity).find({ where: { deliberationId: id }, order: { number: 'ASC' } }),
      this.dataSource.getRepository(ResponseEntity).find({ where: { deliberationId: id }, order: { round: 'ASC', participantIndex: 'ASC' } }),
    ]);
    return this.toView(row, rounds, responses);
  }

  async list(query: ListQuery): Promise<{ items: DeliberationView[]; nextCursor: { createdAt: string; id: string } | null }> {
    const qb = this.dataSource.getRepository(DeliberationEntity).createQueryBuilder('d');
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    if (query.cursor) {
      qb.andWhere('(d.created_at < :c OR (d.created_at = :c AND d.id < :cid))', { c: query.cursor.createdAt, cid: query.cursor.id });
    }
    const rows = await qb.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').take(query.limit + 1).getMany();
    const page = rows.slice(0, query.limit);
    const ids = page.map((r) => r.id);
    const [rounds, responses] = ids.length
      ? await Promise.all([
          this.dataSource.getRepository(RoundEntity).find({ where: { deliberationId: In(ids) }, order: { number: 'ASC' } }),
          this.dataSource.getRepository(ResponseEntity).find({ where: { deliberationId: In(ids) }, order: { round: 'ASC', participantIndex: 'ASC' } }),
        ])
      : [[], []];
    const items = page.map((row) =>
      this.toView(
        row,
        rounds.filter((r) => r.deliberationId === row.id),
        responses.filter((r) => r.deliberationId === row.id),
      ),
    );
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  private toView(row: DeliberationEntity, rounds: RoundEntity[], responses: ResponseEntity[]): DeliberationView {
    const request = row.request as DeliberationRequest;
    const roundViews: RoundView[] = rounds.map((r) => ({
      number: r.number,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
      responses: responses.filter((x) => x.round === r.number).map(responseView),
      convergence: r.convergence ? { score: r.convergence.score, status: r.convergence.status, perParticipant: r.convergence.perParticipant ?? [] } : null,
      decisions: (r.decisions as TierDecisionRecord[]) ?? [],
    }));
    const lastDecision = (index: number) => {
      for (let i = roundViews.length - 1; i >= 0; i--) {
        const d = roundViews[i].decisions.find((x) => x.participantIndex === index);
        if (d) return d;
      }
      return undefined;
    };
    return {
      id: row.id,
      status: row.status as DeliberationStatus,
      question: row.question,
      context: request.context ?? null,
      mode: row.mode,
      maxRounds: row.maxRounds,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      participants: request.participants.map((p) => {
        const d = lastDecision(p.index);
        return { index: p.index, adapter: d?.adapter ?? p.adapter, model: d?.model ?? p.model ?? null, tier: p.tier, stance: p.stance, role: p.role ?? null };
      }),
      rounds: roundViews,
      result: (row.result as DeliberationResult) ?? null,
      pause: (row.pause as PauseInfo) ?? null,
      failure: row.failure,
      latestCheckpointId: row.latestCheckpointId,
      parentId: row.parentId,
      forkedFromCheckpointId: row.forkedFromCheckpointId,
      resumes: (row.resumes as ResumeRecord[]) ?? [],
      links: linksFor(row.id),
    };
  }
}
