import { api, type WindowStatus } from '../api/client';
import { budgetBar, costRange, forecastText, formatDuration, formatTokens, formatUsd, pricingCoverage } from '../lib/figures';
import { useLoad } from '../lib/hooks';

function amount(basis: 'usd' | 'tokens' | null, n: number): string {
  return basis === 'usd' ? formatUsd(n) : `${formatTokens(n)} tok`;
}

function WindowCard({ w, now }: { w: WindowStatus; now: Date }) {
  const bar = budgetBar(w);
  // Pricing coverage of this window's calls so far.
  const usage = useLoad(() => api.usage(`groupBy=model&from=${encodeURIComponent(w.periodStart)}`), [w.periodStart], { onChange: true });
  const coverage = usage.data ? pricingCoverage(usage.data.groups) : null;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return (
    <section class={`window zone-${w.zone}`} data-window={w.window} data-zone={w.zone}>
      <header>
        <strong>{w.window}</strong>
        <span class={`badge zone-${w.zone}`} data-testid="zone">
          {w.zone}
        </span>
      </header>
      <div class="bar" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={bar.spentFraction} data-spent={bar.spentFraction.toFixed(4)}>
        <span class="bar-spent" style={{ width: pct(Math.min(1, bar.spentFraction)) }} />
        <span class="bar-reserved" style={{ width: pct(Math.max(0, Math.min(1 - bar.spentFraction, bar.reservedFraction))) }} />
      </div>
      <p class="figures">
        {bar.cap === null ? (
          <>
            {formatTokens(w.used.tokens)} tokens · {formatUsd(w.used.usd)} · no limit
          </>
        ) : (
          <>
            {amount(bar.basis, bar.spent)}
            {bar.reserved > 0 && <> + {amount(bar.basis, bar.reserved)} reserved</>} of {amount(bar.basis, bar.cap)}
          </>
        )}
      </p>
      <p class="muted">
        resets in {formatDuration(new Date(w.nextReset).getTime() - now.getTime())} · {forecastText(w, now)}
      </p>
      {coverage && coverage.tokens > 0 && usage.data && (
        <p
          class="muted coverage"
          title="Share of this window's tokens counted exactly by the provider, estimated with the tokenizer, or on a model without a price"
        >
          {pct(coverage.exact)} exact · {pct(coverage.estimated)} est. · {pct(coverage.unpriced)} unpriced · cost {costRange(usage.data.totals)}
        </p>
      )}
    </section>
  );
}

/** The header strip: one card per budget window. */
export function BudgetStrip() {
  const budgets = useLoad(() => api.budgets(), [], { everyMs: 10_000, onChange: true });
  const now = new Date();
  if (!budgets.data) return <div class="strip">{budgets.error ? <p class="muted">Budgets: {budgets.error}</p> : <p class="muted">Loading budgets…</p>}</div>;
  return (
    <div class="strip" data-testid="budget-strip">
      {budgets.data.map((w) => (
        <WindowCard key={w.window} w={w} now={now} />
      ))}
    </div>
  );
}
