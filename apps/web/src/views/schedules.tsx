import { api, type Schemas } from '../api/client';
import { cadenceText, formatTokens, formatUsd, runText } from '../lib/figures';
import { useLoad } from '../lib/hooks';
import { useAction } from './live';

function ScheduleCard({ s }: { s: Schemas['ScheduleViewDto'] }) {
  const runs = useLoad(() => api.scheduleRuns(s.id), [s.id], { everyMs: 15_000, onChange: true });
  const [error, act] = useAction();
  const state = s.status === 'paused' ? 'paused' : s.enabled ? 'active' : 'disabled';
  return (
    <div class="card schedule" data-schedule={s.id}>
      <strong>{s.name}</strong> <span class={`badge ${state === 'paused' ? 'zone-RED' : ''}`}>{state}</span> <span class="muted">{cadenceText(s)}</span>
      {s.pausedReason && <p class="error">Paused itself: {s.pausedReason}</p>}
      <p class="muted">
        next tick {s.nextTickAt ? new Date(s.nextTickAt).toLocaleString() : '—'} · this month {formatTokens(s.monthToDate.tokens)} tokens,{' '}
        {formatUsd(s.monthToDate.costUsd)}
        {s.budget.monthly?.usd !== undefined && ` of ${formatUsd(s.budget.monthly.usd)}`}
      </p>
      <ul>
        {(runs.data ?? []).map((r) => (
          <li key={r.id}>
            {new Date(r.createdAt).toLocaleString()} {r.trigger}: {r.deliberationId ? <a href={`#/d/${r.deliberationId}`}>{runText(r)}</a> : runText(r)}
          </li>
        ))}
        {runs.data?.length === 0 && <li class="muted">No run yet.</li>}
      </ul>
      <div class="controls">
        <button onClick={() => act(() => api.runSchedule(s.id))} title="One run now, governed like a tick">
          Run now
        </button>
        <button disabled={s.status !== 'paused' && s.enabled} onClick={() => act(() => api.resumeSchedule(s.id))}>
          Resume
        </button>
        {error && <span class="error">{error}</span>}
      </div>
    </div>
  );
}

/** The schedules (POST /v1/schedules creates them): state, why one paused itself, spend this month, the latest runs. */
export function SchedulesView() {
  const schedules = useLoad(() => api.schedules(), [], { everyMs: 15_000, onChange: true });
  return (
    <div class="view" data-view="schedules">
      <h2>Schedules</h2>
      {schedules.error && <p class="error">{schedules.error}</p>}
      {(schedules.data ?? []).map((s) => (
        <ScheduleCard key={s.id} s={s} />
      ))}
      {schedules.data?.length === 0 && <p class="muted">No schedule. Create one with POST /v1/schedules (see the README).</p>}
    </div>
  );
}
