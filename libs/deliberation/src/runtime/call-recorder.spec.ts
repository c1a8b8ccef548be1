import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdaptersModule } from '@app/adapters';
import { checkpointEntities, checkpointMigrations, CheckpointModule, CheckpointStore } from '@app/checkpoint';
import { configSchema, ConfigModule } from '@app/config';
import { BudgetLedger, tieringEntities, tieringMigrations, TieringModule } from '@app/tiering';
import { makeUsage, tokensEntities, tokensMigrations, TokensModule } from '@app/tokens';
import { DataSource } from 'typeorm';
import type { DeliberationRequest, ParticipantResponse, TierDecisionRecord } from '../deliberation.types';
import { emptyRuntime, type EngineState, type RoundState } from '../state/engine-state';
import { StateStore } from '../state/state-store';
import { callKey, nextAttempt } from '../rules/call-key';
import { renderTranscript } from '../rules';
import { eventsFromView } from './event-hub';
import { deliberationEntities, deliberationMigrations } from '../index';
import { DeliberationRepository } from '../persistence/deliberation.repository';
import { DeliberationViews } from '../persistence/deliberation-views';
import { RoundRepository } from '../persistence/round.repository';
import { CallRecorder } from './call-recorder';

/**
 * The runtime's writes on a real SQLite file with every lib's migrations: the CallRecorder (an answer, its
 * ledger rows and the budget windows in one transaction), the repositories and the state store (checkpoints
 * that hold answers by reference), and what a stored answer shows in the view.
 */

const AT = new Date('2025-11-20T10:00:00.000Z');
const REQUEST: DeliberationRequest = {
  question: 'Webhooks or polling?',
  participants: [
    { index: 0, adapter: 'a0', tier: 'fast', stance: 'neutral' },
    { index: 1, adapter: 'a1', tier: 'fast', stance: 'neutral' },
  ],
  mode: 'conference',
  maxRounds: 3,
};

function response(participantIndex: number, text: string, extra: Partial<ParticipantResponse> = {}): ParticipantResponse {
  return {
    participantIndex,
    adapter: `a${participantIndex}`,
    model: 'gpt-5-mini',
    tier: 'fast',
    text,
    vote: { option: 'A', confidence: 0.8, rationale: 'r', continueDebate: true },
    voteError: null,
    error: null,
    latencyMs: 5,
    usage: makeUsage(
      { adapter: `a${participantIndex}`, provider: 'openai', model: 'gpt-5-mini', timestamp: AT },
      { inputTokens: 100, outputTokens: 20 },
      'exact',
    ),
    costUsd: null,
    ...extra,
  };
}

describe('CallRecorder, repositories and StateStore (medium, real SQLite)', () => {
  let dir: string;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let recorder: CallRecorder;
  let rounds: RoundRepository;
  let states: StateStore;
  let views: DeliberationViews;
  let checkpoints: CheckpointStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-recorder-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(configSchema.parse({ budgets: { daily: { tokens: 1_000_000 } } })),
        TypeOrmModule.forRoot({
          type: 'better-sqlite3',
          database: join(dir, 'test.sqlite'),
          entities: [...tokensEntities, ...tieringEntities, ...checkpointEntities, ...deliberationEntities],
          migrations: [...tokensMigrations, ...tieringMigrations, ...checkpointMigrations, ...deliberationMigrations],
          migrationsRun: true,
        }),
        TokensModule,
        TieringModule,
        CheckpointModule,
        AdaptersModule,
      ],
      providers: [DeliberationRepository, RoundRepository, DeliberationViews, StateStore, CallRecorder],
    }).compile();
    await moduleRef.init();
    dataSource = moduleRef.get(DataSource);
    checkpoints = moduleRef.get(CheckpointStore);
    recorder = moduleRef.get(CallRecorder);
    rounds = moduleRef.get(RoundRepository);
    states = moduleRef.get(StateStore);
    views = moduleRef.get(DeliberationViews);
    await moduleRef.get(DeliberationRepository).create({ id: 'd1', request: REQUEST, status: 'running', now: AT });
  });

  afterEach(async () => {
    await moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stores a round's answers and completes it, as the engine does; returns the checkpoint id. */
  async function completeRound(state: EngineState, number: number, responses: ParticipantResponse[]): Promise<string> {
    const decisions: TierDecisionRecord[] = responses.map((r) => ({
      participantIndex: r.participantIndex,
      tier: 'fast',
      adapter: r.adapter,
      adapterTier: 'T1',
      model: r.model,
      reason: 'test',
    }));
    await rounds.start(dataSource.manager, 'd1', number, decisions, AT);
    for (const r of responses) await recorder.recordAnswer('d1', number, r, false);
    const round: RoundState = { number, startedAt: AT.toISOString(), completedAt: AT.toISOString(), responses, convergence: null, decisions };
    state.rounds.push(round);
    return states.roundCompleted(state, round, AT);
  }

  async function usageRows(): Promise<Array<{ participant_index: number; total_tokens: number }>> {
    return dataSource.query('SELECT participant_index, total_tokens FROM token_usage ORDER BY id');
  }

  describe('recordAnswer', () => {
    it('should commit the answer, its ledger rows (the retry first) and the budget windows in one transaction', async () => {
      const retryUsage = makeUsage({ adapter: 'a0', provider: 'openai', model: 'gpt-5-mini', timestamp: AT }, { inputTokens: 40, outputTokens: 10 }, 'exact');
      const answer = response(0, 'no vote here', { voteRetry: { usage: retryUsage, costUsd: null, latencyMs: 3, text: 'VOTE: {"option": "A"}' } });
      const transaction = jest.spyOn(dataSource, 'transaction');

      await recorder.recordAnswer('d1', 1, answer, false);

      expect(transaction).toHaveBeenCalledTimes(1);
      expect(await usageRows()).toEqual([
        { participant_index: 0, total_tokens: 50 },
        { participant_index: 0, total_tokens: 120 },
      ]);
      // gpt-5-mini is priced: both costs are set on the answer, as stored.
      expect(answer.costUsd).toBeGreaterThan(0);
      expect(answer.voteRetry!.costUsd).toBeGreaterThan(0);
      const [daily] = await dataSource.query("SELECT used_tokens FROM budget_windows WHERE kind = 'daily' AND closed = 0");
      expect(daily.used_tokens).toBe(170);
      expect(
        moduleRef
          .get(BudgetLedger)
          .status()
          .find((w) => w.window === 'daily')!.used.tokens,
      ).toBe(170);
    });

    it('should count nothing when the answer cannot be stored: its ledger rows roll back with it', async () => {
      await dataSource.query('DROP TABLE deliberation_responses');

      await expect(recorder.recordAnswer('d1', 1, response(0, 'lost'), false)).rejects.toThrow();

      expect(await usageRows()).toEqual([]);
      const [daily] = await dataSource.query("SELECT used_tokens FROM budget_windows WHERE kind = 'daily' AND closed = 0");
      expect(daily.used_tokens).toBe(0);
      expect(
        moduleRef
          .get(BudgetLedger)
          .status()
          .find((w) => w.window === 'daily')!.used.tokens,
      ).toBe(0);
    });

    it('should keep a truncated answer marked, and show the mark in the view, the transcript and the replayed events', async () => {
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      await completeRound(state, 1, [response(0, 'cut off mid-sent', { truncated: true }), response(1, 'complete answer')]);

      const view = (await views.view('d1'))!;

      expect(view.rounds[0].responses.map((r) => r.truncated)).toEqual([true, false]);
      expect(renderTranscript(view)).toContain('_Truncated: the provider stopped at the output limit');
      const received = eventsFromView(view, false).filter((e) => e.type === 'response_received');
      expect(received.map((e) => e.data.truncated)).toEqual([true, false]);
      expect((await rounds.partialResponses('d1', 1))[0].truncated).toBe(true);
    });

    it('should keep the vote-only retry reply with the answer, and show it', async () => {
      const retryUsage = makeUsage({ adapter: 'a0', provider: 'openai', model: 'gpt-5-mini', timestamp: AT }, { inputTokens: 40, outputTokens: 10 }, 'exact');
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      await completeRound(state, 1, [
        response(0, 'no vote here', { voteRetry: { usage: retryUsage, costUsd: null, text: 'VOTE: {"option": "A"}' } }),
        response(1, 'answer'),
      ]);

      const view = (await views.view('d1'))!;

      expect(view.rounds[0].responses[0].voteRetry).toEqual({ text: 'VOTE: {"option": "A"}', errorKind: null, tokens: 50, costUsd: expect.any(Number) });
      expect(view.rounds[0].responses[1].voteRetry).toBeNull();
      expect(renderTranscript(view)).toContain('VOTE: {"option": "A"}');
    });
  });

  describe('checkpoints', () => {
    it('should store the state without answer texts and restore exactly the answers as of each checkpoint', async () => {
      const large = 'x'.repeat(100_000);
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      const first = await completeRound(state, 1, [response(0, large), response(1, 'round one b')]);
      const second = await completeRound(state, 2, [response(0, 'round two a'), response(1, 'round two b')]);
      const third = await completeRound(state, 3, [response(0, 'round three a'), response(1, 'round three b')]);

      // Version 3 holds neither texts nor completed rounds: each round's checkpoint is about the same size.
      const sizes = (await checkpoints.listFor('d1')).map((c) => c.sizeBytes);
      expect(sizes.every((size) => size < 2_000)).toBe(true);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(200);

      const atFirst = await states.fromCheckpoint(await checkpoints.get(first));
      expect(atFirst.rounds.map((r) => r.responses.map((x) => x.text))).toEqual([[large, 'round one b']]);
      const atThird = await states.fromCheckpoint(await checkpoints.get(third));
      expect(atThird.rounds.map((r) => r.responses.map((x) => x.text))).toEqual([
        [large, 'round one b'],
        ['round two a', 'round two b'],
        ['round three a', 'round three b'],
      ]);
      expect((await states.fromCheckpoint(await checkpoints.get(second))).rounds).toHaveLength(2);
      expect((await states.load('d1')).rounds).toHaveLength(3);
    });

    it('should still load a version 1 checkpoint, which holds its texts', async () => {
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      const v1 = await dataSource.transaction((manager) =>
        checkpoints.save(manager, {
          deliberationId: 'd1',
          round: 1,
          reason: 'round',
          schemaVersion: 1,
          state: {
            ...state,
            rounds: [
              { number: 1, startedAt: '', completedAt: '', responses: [response(0, 'inline text'), response(1, 'inline b')], convergence: null, decisions: [] },
            ],
          },
          now: AT,
        }),
      );

      const loaded = await states.fromCheckpoint(await checkpoints.get(v1.id));

      expect(loaded.rounds[0].responses.map((r) => r.text)).toEqual(['inline text', 'inline b']);
    });

    it('should still load a version 2 checkpoint, which holds its rounds but not their texts', async () => {
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      await completeRound(state, 1, [response(0, 'text in the table'), response(1, 'and b')]);
      const { text: _a, ...first } = state.rounds[0].responses[0];
      const { text: _b, ...second } = state.rounds[0].responses[1];
      const v2 = await dataSource.transaction((manager) =>
        checkpoints.save(manager, {
          deliberationId: 'd1',
          round: 1,
          reason: 'round',
          schemaVersion: 2,
          state: { ...state, rounds: [{ ...state.rounds[0], responses: [first, second] }] },
          now: AT,
        }),
      );

      const loaded = await states.fromCheckpoint(await checkpoints.get(v2.id));

      expect(loaded.rounds[0].responses.map((r) => r.text)).toEqual(['text in the table', 'and b']);
    });

    it('should never load an answer another worker records meanwhile as an attempt without its answer (it would be asked, and billed, again)', async () => {
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      await completeRound(state, 1, [response(0, 'a'), response(1, 'b')]);
      await recorder.recordAnswer('d1', 2, response(0, 'round two a', { callKey: callKey('d1', 2, 0, 1) }), false);
      // Another worker, running round 2 too, records participant 1's answer between load's two reads.
      let reads = 0;
      const between = async () => {
        if (++reads === 2) await recorder.recordAnswer('d1', 2, response(1, 'round two b', { callKey: callKey('d1', 2, 1, 1) }), false);
      };
      for (const method of ['partialResponses', 'attemptsIn'] as const) {
        const original = rounds[method].bind(rounds);
        jest.spyOn(rounds, method).mockImplementation(async (id: string, round: number) => {
          await between();
          return original(id, round) as never;
        });
      }

      const loaded = await states.load('d1');

      expect(reads).toBe(2);
      // Each participant the run would ask, and under which key: participant 1 is either answered, or asked
      // under the key already recorded (the provider replays it; the ledger refuses it), never a new one.
      const answered = new Set(loaded.partial.filter((r) => !r.error).map((r) => r.participantIndex));
      const asked = REQUEST.participants.filter((p) => !answered.has(p.index)).map((p) => callKey('d1', 2, p.index, nextAttempt(loaded.attempts, p.index)));
      const recorded: Array<{ call_key: string }> = await dataSource.query('SELECT call_key FROM recorded_calls WHERE round = 2');
      expect(recorded.map((r) => r.call_key).sort()).toEqual([callKey('d1', 2, 0, 1), callKey('d1', 2, 1, 1)]);
      expect(asked.filter((key) => !recorded.some((r) => r.call_key === key))).toEqual([]);
    });

    it('should refuse a checkpoint whose completed round has lost an answer, rather than resume without it', async () => {
      const state: EngineState = { id: 'd1', request: REQUEST, rounds: [], partial: [], runtime: emptyRuntime() };
      const id = await completeRound(state, 1, [response(0, 'a'), response(1, 'b')]);
      await dataSource.query('DELETE FROM deliberation_responses WHERE participant_index = 1');

      await expect(states.fromCheckpoint(await checkpoints.get(id))).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
    });
  });
});
