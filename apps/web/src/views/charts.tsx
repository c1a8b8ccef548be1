import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatTokens, formatUsd, sparkPoints, type RoundBar } from '../lib/figures';

/** The convergence scores of a deliberation's rounds, 0..1, with the threshold as a dashed line. */
export function Sparkline({ values, threshold = 0.85 }: { values: number[]; threshold?: number }) {
  const w = 120;
  const h = 28;
  return (
    <svg
      class="spark"
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`convergence ${values.map((v) => v.toFixed(2)).join(', ') || 'none yet'}`}
      data-points={values.length}
    >
      <line x1="0" x2={w} y1={h - threshold * h} y2={h - threshold * h} class="spark-threshold" />
      {values.length > 0 && <polyline points={sparkPoints(values, w, h)} class="spark-line" />}
      {values.length > 0 && <circle cx={values.length > 1 ? w : w / 2} cy={h - values[values.length - 1] * h} r="2.5" class="spark-dot" />}
    </svg>
  );
}

/** Tokens per round: input, output and reasoning stacked; under each bar, the share counted exactly. */
export function RoundTokenChart({ bars }: { bars: RoundBar[] }) {
  const max = Math.max(1, ...bars.map((b) => b.input + b.output + b.reasoning));
  const h = 160;
  const top = 14; // room for the totals above the bars
  const bw = 36;
  const gap = 18;
  const w = Math.max(200, bars.length * (bw + gap) + gap);
  return (
    <figure class="token-chart">
      <svg width={w} height={h + 40} viewBox={`0 0 ${w} ${h + 40}`} role="img" aria-label="tokens per round">
        <g transform={`translate(0 ${top})`}>
          {bars.map((b, i) => {
            const x = gap + i * (bw + gap);
            const parts: Array<[string, number]> = [
              ['input', b.input],
              ['output', b.output],
              ['reasoning', b.reasoning],
            ];
            let y = h - top;
            const exactShare = b.exact + b.estimated > 0 ? b.exact / (b.exact + b.estimated) : 1;
            return (
              <g key={b.round} class="bar" data-round={b.round}>
                {parts.map(([name, value]) => {
                  const bh = (value / max) * (h - top);
                  y -= bh;
                  return (
                    <rect key={name} class={`bar-${name}`} x={x} y={y} width={bw} height={bh}>
                      <title>{`round ${b.round} ${name}: ${formatTokens(value)} tokens`}</title>
                    </rect>
                  );
                })}
                <text x={x + bw / 2} y={y - 3} text-anchor="middle">
                  {formatTokens(b.input + b.output + b.reasoning)}
                </text>
                <rect class="bar-exact" x={x} y={h - top + 6} width={bw * exactShare} height={5} />
                <rect class="bar-estimated" x={x + bw * exactShare} y={h - top + 6} width={bw * (1 - exactShare)} height={5} />
                <text x={x + bw / 2} y={h - top + 26} text-anchor="middle">
                  R{b.round}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
      <figcaption>
        <span class="key bar-input" /> input <span class="key bar-output" /> output <span class="key bar-reasoning" /> reasoning · under each bar:{' '}
        <span class="key bar-exact" /> exact <span class="key bar-estimated" /> estimated
      </figcaption>
    </figure>
  );
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const ZONE_COLOURS: Record<string, string> = { YELLOW: '#c9a400', ORANGE: '#e07b00', RED: '#c62828' };

/** Spend per day stacked by model (uPlot), with the daily limit's zone lines. */
export function SpendChart({
  days,
  models,
  stacked,
  zones,
}: {
  days: string[];
  models: string[];
  stacked: number[][];
  zones: Array<{ zone: string; usd: number }>;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
    const series: uPlot.Series[] = [{}];
    const data: uPlot.AlignedData = [xs];
    // Drawn top band first so each lower band paints over the one above it.
    for (let i = models.length - 1; i >= 0; i--) {
      const colour = PALETTE[i % PALETTE.length];
      series.push({ label: models[i], stroke: colour, fill: `${colour}aa`, width: 1, value: (_u, v) => (v === null ? '' : formatUsd(v)) });
      data.push(stacked[i]);
    }
    for (const z of zones) {
      series.push({
        label: `${z.zone} zone`,
        stroke: ZONE_COLOURS[z.zone],
        dash: [6, 4],
        width: 1,
        points: { show: false },
        value: (_u, v) => (v === null ? '' : formatUsd(v)),
      });
      data.push(xs.map(() => z.usd));
    }
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 240,
        series,
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatUsd(t)), size: 64 }],
        scales: { x: { time: true } },
        legend: { show: true },
      },
      data,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [days.join(), models.join(), stacked.map((r) => r.join()).join('|'), zones.map((z) => z.usd).join()]);
  return <div class="spend-chart" ref={box} data-models={models.length} />;
}
