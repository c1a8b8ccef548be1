import { api } from '../api/client';
import { costRange, formatTokens, formatUsd, lastDays, modelRows, stackByModel, zoneLines } from '../lib/figures';
import { useLoad } from '../lib/hooks';
import { SpendChart } from './charts';

const DAYS = 14;
// The default zone thresholds (tiering.zones); the status shows the zone, not the thresholds themselves.
const ZONES = { yellow: 0.7, orange: 0.85, red: 0.95 };

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const ms = (x: number | null) => (x === null ? '—' : `${x} ms`);

export function SpendView() {
  const perDay = useLoad(
    async () => {
      // One read per UTC day grouped by model: the usage route groups by one key at a time.
      const days = lastDays(new Date(), DAYS);
      const next = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
      return Promise.all(
        days.map(async (day) => ({ day, groups: (await api.usage(`groupBy=model&from=${day}T00:00:00Z&to=${encodeURIComponent(next(day))}`)).groups })),
      );
    },
    [],
    { everyMs: 30_000 },
  );
  const models = useLoad(() => api.usage('groupBy=model'), [], { everyMs: 30_000 });
  const recent = useLoad(() => api.deliberations('limit=100'), [], { everyMs: 30_000 });
  const summary = useLoad(() => api.summary(), [], { everyMs: 30_000 });
  const budgets = useLoad(() => api.budgets(), [], { everyMs: 30_000 });
  const daily = budgets.data?.find((w) => w.window === 'daily');
  const stack = perDay.data ? stackByModel(perDay.data) : null;
  const rows = models.data ? modelRows(models.data.groups, recent.data?.items ?? []) : [];
  const decisions = summary.data?.decisions;
  return (
    <div class="view" data-view="spend">
      <h2>Spend per day, by model (last {DAYS} days)</h2>
      {stack && <SpendChart days={stack.days} models={stack.models} stacked={stack.stacked} zones={zoneLines(daily?.limits.usd ?? null, ZONES)} />}
      {decisions && (
        <>
          <h2>Per decision (last 7 days)</h2>
          <table class="table" data-testid="decisions">
            <thead>
              <tr>
                <th>group</th>
                <th>decisions</th>
                <th>tokens (median / p90)</th>
                <th>cost (median / p90)</th>
              </tr>
            </thead>
            <tbody>
              {[
                { label: 'all', g: decisions },
                ...decisions.byMode.map((g) => ({ label: `mode ${g.mode}`, g })),
                ...decisions.byStopReason.map((g) => ({ label: `stopped: ${g.stopReason}`, g })),
              ].map(({ label, g }) => (
                <tr key={label}>
                  <td>{label}</td>
                  <td>{g.decisions}</td>
                  <td>
                    {formatTokens(g.tokensPerDecision.median)} / {formatTokens(g.tokensPerDecision.p90)}
                  </td>
                  <td>{g.costUsdPerDecision ? `${formatUsd(g.costUsdPerDecision.median)} / ${formatUsd(g.costUsdPerDecision.p90)}` : 'unpriced'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Per model (last 30 days)</h2>
      <div class="scroll">
        <table class="table" data-testid="models">
          <thead>
            <tr>
              <th>model</th>
              <th>calls</th>
              <th>in</th>
              <th>cached</th>
              <th>reasoning</th>
              <th>out</th>
              <th>USD</th>
              <th>exact</th>
              <th>errors</th>
              <th>vote-parse failures</th>
              <th>p50</th>
              <th>p95</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.model} data-model={r.model}>
                <td>{r.model}</td>
                <td>{r.calls}</td>
                <td>{formatTokens(r.input)}</td>
                <td>{formatTokens(r.cached)}</td>
                <td>{formatTokens(r.reasoning)}</td>
                <td>{formatTokens(r.output)}</td>
                <td>{r.cost}</td>
                <td>{pct(r.exactShare)}</td>
                <td>{pct(r.errorRate)}</td>
                <td>{r.voteParseFailures}</td>
                <td>{ms(r.latencyP50)}</td>
                <td>{ms(r.latencyP95)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">
        Latency and vote-parse failures are read from the answers of the last {recent.data?.items.length ?? 0} deliberations; the other columns from the token
        ledger.
        {models.data && (
          <>
            {' '}
            Total: {formatTokens(models.data.totals.totalTokens)} tokens, {costRange(models.data.totals)}.
          </>
        )}
      </p>
    </div>
  );
}
