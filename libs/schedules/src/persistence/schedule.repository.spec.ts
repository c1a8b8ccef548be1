import { DataSource } from 'typeorm';
import { CreateSchedules1763900020000 } from './create-schedules.migration';
import { ScheduleEntity, ScheduleRunEntity } from './schedule.entities';
import { ScheduleRepository, type NewRun } from './schedule.repository';

const SCHEDULE = '00000000-0000-4000-8000-000000000001';
const CREATED = new Date('2026-01-01T00:00:00Z');
const TICK = new Date('2026-01-01T00:01:00Z');

describe(ScheduleRepository.name, () => {
  let source: DataSource;
  let sut: ScheduleRepository;

  beforeEach(async () => {
    source = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [ScheduleEntity, ScheduleRunEntity],
      migrations: [CreateSchedules1763900020000],
      migrationsRun: true,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('foreign_keys = ON');
      },
    }).initialize();
    sut = new ScheduleRepository(source);
    const at = CREATED.toISOString();
    await sut.create({
      id: SCHEDULE,
      name: 'review',
      status: 'active',
      enabled: true,
      cron: null,
      everySeconds: 60,
      timezone: 'UTC',
      catchUp: false,
      deliberation: { question: 'q', participants: [{ adapter: 'a' }, { adapter: 'b' }] },
      contextFrom: null,
      budget: { perRun: { maxTokens: 5000 } },
      maxConsecutiveFailures: 3,
      pausedReason: null,
      pausedAt: null,
      streakSince: at,
      lastTickAt: at,
      createdAt: at,
      updatedAt: at,
    });
  });

  afterEach(() => source.destroy());

  const run = (id: string, extra: Partial<NewRun> = {}): NewRun => ({
    id,
    scheduleId: SCHEDULE,
    trigger: 'tick',
    tickAt: TICK,
    status: 'running',
    now: TICK,
    ...extra,
  });

  describe('claim', () => {
    it('should claim a tick once and move the last tick to it', async () => {
      expect(await sut.claim(run('00000000-0000-4000-8000-00000000000a'))).toBe(true);
      expect(await sut.claim(run('00000000-0000-4000-8000-00000000000b', { status: 'skipped', skipped: 'overlap' }))).toBe(false);
      expect((await sut.get(SCHEDULE))!.lastTickAt).toBe(TICK.toISOString());
      expect((await sut.runs(SCHEDULE, 10)).map((r) => r.id)).toEqual(['00000000-0000-4000-8000-00000000000a']);
    });

    it('should never move the last tick back', async () => {
      const later = new Date('2026-01-01T00:05:00Z');
      await sut.claim(run('00000000-0000-4000-8000-00000000000a', { tickAt: later }));
      await sut.claim(run('00000000-0000-4000-8000-00000000000b'));
      expect((await sut.get(SCHEDULE))!.lastTickAt).toBe(later.toISOString());
    });

    it('should let manual runs (no tick) be claimed any number of times without touching the last tick', async () => {
      for (const id of ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b']) {
        expect(await sut.claim(run(id, { trigger: 'manual', tickAt: null }))).toBe(true);
      }
      expect((await sut.get(SCHEDULE))!.lastTickAt).toBe(CREATED.toISOString());
    });
  });

  describe('finish', () => {
    it('should end a running run once, and record a skipped one as finished when claimed', async () => {
      await sut.claim(run('00000000-0000-4000-8000-00000000000a'));
      expect(await sut.hasRunning(SCHEDULE)).toBe(true);
      expect(await sut.finish('00000000-0000-4000-8000-00000000000a', { status: 'completed', tokens: 3000, costUsd: 0.01, finishedAt: TICK })).toBe(true);
      expect(await sut.finish('00000000-0000-4000-8000-00000000000a', { status: 'failed', finishedAt: TICK })).toBe(false);
      expect(await sut.hasRunning(SCHEDULE)).toBe(false);
      expect(await sut.getRun('00000000-0000-4000-8000-00000000000a')).toMatchObject({ status: 'completed', tokens: 3000, costUsd: 0.01 });
    });
  });

  describe('delete', () => {
    it("should take the schedule's runs with it", async () => {
      await sut.claim(run('00000000-0000-4000-8000-00000000000a'));
      expect(await sut.delete(SCHEDULE)).toBe(true);
      expect(await sut.getRun('00000000-0000-4000-8000-00000000000a')).toBeNull();
      expect(await sut.delete(SCHEDULE)).toBe(false);
    });
  });
});
