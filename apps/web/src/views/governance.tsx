import { useState } from 'preact/hooks';
import { api, type WindowStatus } from '../api/client';
import { formatUsd } from '../lib/figures';
import { useLoad } from '../lib/hooks';
import { useAction } from './live';

function LimitForm({ w }: { w: WindowStatus }) {
  const [tokens, setTokens] = useState(w.limits.tokens === null ? '' : String(w.limits.tokens));
  const [usd, setUsd] = useState(w.limits.usd === null ? '' : String(w.limits.usd));
  const [softCap, setSoftCap] = useState(String(w.softCap));
  const [error, act] = useAction();
  const [saved, setSaved] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    // An empty field removes that limit (null), as PUT /v1/budgets/:window reads it.
    act(async () => {
      await api.setBudget(w.window, {
        tokens: tokens.trim() === '' ? null : Number(tokens),
        usd: usd.trim() === '' ? null : Number(usd),
        softCap: Number(softCap),
      });
      setSaved(true);
    });
  };
  return (
    <form class="card limits" data-window={w.window} onSubmit={submit}>
      <strong>{w.window}</strong> <span class={`badge zone-${w.zone}`}>{w.zone}</span>
      <label>
        tokens <input name="tokens" inputMode="numeric" value={tokens} onInput={(e) => setTokens(e.currentTarget.value)} placeholder="no limit" />
      </label>
      <label>
        USD <input name="usd" inputMode="decimal" value={usd} onInput={(e) => setUsd(e.currentTarget.value)} placeholder="no limit" />
      </label>
      <label title="The fraction of a limit from which T3 (expensive cloud) adapters are no longer used">
        soft cap (0–1) <input name="softCap" inputMode="decimal" value={softCap} onInput={(e) => setSoftCap(e.currentTarget.value)} />
      </label>
      <button type="submit">Set limits</button>
      {saved && <span class="ok">saved</span>}
      {error && <span class="error">{error}</span>}
    </form>
  );
}

export function GovernanceView() {
  const budgets = useLoad(() => api.budgets(), [], { onChange: true });
  const adapters = useLoad(() => api.adapters(), [], { everyMs: 5_000 });
  const allocations = useLoad(() => api.allocations(), [], { everyMs: 15_000 });
  const stats = useLoad(() => api.allocationStats(), [], { everyMs: 15_000 });
  const stopped = useLoad(() => api.deliberations('status=paused&limit=50'), [], { everyMs: 15_000 });
  const recent = useLoad(() => api.deliberations('limit=50'), [], { everyMs: 15_000 });
  const escalations = (recent.data?.items ?? []).flatMap((d) =>
    d.rounds.flatMap((r) => r.decisions.filter((x) => x.escalated).map((x) => ({ d, round: r.number, x }))),
  );
  const rows = (allocations.data ?? []).slice(0, 200);
  return (
    <div class="view" data-view="governance">
      <h2>The chairman's controls</h2>
      <p class="muted">
        A window's limits win over the config and survive restarts; an empty field removes the limit. To keep a model despite the zone, start a deliberation
        with a force reason (Live view).
      </p>
      <div class="limits-grid">
        {budgets.data?.map((w) => (
          <LimitForm key={w.window} w={w} />
        ))}
      </div>
      <h2>Adapters</h2>
      <p class="muted">
        An open breaker (after repeated transport failures or timeouts) moves its participants to another adapter of the same tier until its cool-down ends.
      </p>
      <ul data-testid="adapters">
        {(adapters.data ?? []).map((a) => (
          <li key={a.name} data-adapter={a.name} data-breaker={a.breaker.state}>
            <strong>{a.name}</strong> {a.tier} · {a.enabled ? (a.reachable ? 'reachable' : 'unreachable') : 'disabled'} ·{' '}
            <span class={a.breaker.state === 'closed' ? '' : 'error'}>
              breaker {a.breaker.state.replace('_', '-')}
              {a.breaker.state === 'open' && a.breaker.reopensAt ? ` until ${new Date(a.breaker.reopensAt).toLocaleTimeString()}` : ''}
              {a.breaker.consecutiveFailures > 0 ? ` (${a.breaker.consecutiveFailures} failures in a row)` : ''}
            </span>
          </li>
        ))}
      </ul>
      <h2>Pauses</h2>
      <ul>
        {(stopped.data?.items ?? []).map((d) => (
          <li key={d.id}>
            <a href={`#/d/${d.id}`}>{d.question}</a> — {d.pause?.reason} ({d.pause?.limit}, used {d.pause?.used}, next round ≈{' '}
            {d.pause?.nextRoundEstimateTokens} tok)
          </li>
        ))}
        {stopped.data?.items.length === 0 && <li class="muted">No paused deliberation.</li>}
      </ul>
      <h2>Escalations</h2>
      <ul>
        {escalations.map(({ d, round, x }) => (
          <li key={`${d.id}-${round}-${x.participantIndex}`}>
            <a href={`#/d/${d.id}`}>{d.question.slice(0, 60)}</a> round {round}, #{x.participantIndex} → {x.adapter} {x.model}: {x.reason}
          </li>
        ))}
        {escalations.length === 0 && <li class="muted">None in the last 50 deliberations.</li>}
      </ul>
      <h2>Allocation audit</h2>
      {stats.data && (
        <p class="muted">
          {stats.data.total} decisions · overrides and fallbacks {Math.round(stats.data.overrideRate * 100)}% ·{' '}
          {stats.data.byAdapterTier.map((t) => `${t.tier} ${Math.round(t.share * 100)}%`).join(' · ')}
        </p>
      )}
      <div class="scroll">
        <table class="table" data-testid="allocations">
          <thead>
            <tr>
              <th>when</th>
              <th>deliberation</th>
              <th>round</th>
              <th>#</th>
              <th>zone</th>
              <th>recommended</th>
              <th>actual</th>
              <th>reason</th>
              <th>override</th>
              <th>forced / moved</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id} class={a.recommendedModel !== a.actualModel || a.override ? 'changed' : ''}>
                <td>{new Date(a.createdAt).toLocaleTimeString()}</td>
                <td>
                  <a href={`#/d/${a.deliberationId}`}>{a.deliberationId.slice(0, 8)}</a>
                </td>
                <td>{a.round}</td>
                <td>{a.participantIndex}</td>
                <td>
                  <span class={`badge zone-${a.zone}`}>{a.zone}</span>
                </td>
                <td>{a.recommendedModel}</td>
                <td>
                  {a.actualModel}{' '}
                  <small>
                    ({a.adapter}, {a.adapterTier})
                  </small>
                </td>
                <td>{a.reason}</td>
                <td>{a.override ? `yes: ${a.overrideReason ?? ''}` : ''}</td>
                <td>{[a.forced ? 'forced' : '', a.movedFrom ? `moved from ${a.movedFrom} (adapter unavailable)` : ''].filter(Boolean).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {budgets.data && <p class="muted">Daily spend so far: {formatUsd(budgets.data.find((w) => w.window === 'daily')?.used.usd ?? 0)}.</p>}
    </div>
  );
}
