import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { overheadAtDelay, overheadAtZero } from './scenarios/engine-overhead';
import { memorySearch } from './scenarios/memory-search';
import { readPath } from './scenarios/read-path';
import { growth } from './scenarios/growth';
import { scaleOut } from './scenarios/scale-out';
import { throughput } from './scenarios/throughput';
import { tokenizer } from './scenarios/tokenizer';
import { startProvider } from './support/provider';
import { round } from './support/stats';

/**
 * `npm run bench`: the real service in this process against a loopback provider in a child process.
 * Prints a table and writes bench/results/latest.json (medians of several runs, every run kept).
 *
 *   node dist/bench/run.js                      every scenario (a few minutes)
 *   node dist/bench/run.js overhead growth      only these (printed, latest.json left alone)
 *
 * Scenarios: overhead, throughput, read, tokenizer, growth (was `scale` until session 4), memory, scale (scale-out:
 * API and worker processes on PostgreSQL and Redis; skipped, saying why, when either does not answer).
 */
const SCENARIOS = ['overhead', 'throughput', 'read', 'tokenizer', 'growth', 'memory', 'scale'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Goal {
  figure: string;
  goal: string;
  value: number;
  met: boolean;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function table(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) log(`  ${k.padEnd(width)}  ${v}`);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !(SCENARIOS as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const selected = new Set<Scenario>(asked.length ? (asked as Scenario[]) : SCENARIOS);
  const began = Date.now();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
  log(`Conclave benchmarks — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.date}`);
  const results: Record<string, unknown> = { machine };
  const goals: Goal[] = [];
  const provider = await startProvider();
  try {
    if (selected.has('overhead')) {
      log('\n1. Engine overhead (3 rounds; wall ÷ physical limit, and ms per round with 0 ms providers)');
      const at200x4 = await overheadAtDelay(provider.baseUrl, 4, 200, 5);
      const at200x8 = await overheadAtDelay(provider.baseUrl, 8, 200, 5);
      const zero4 = await overheadAtZero(provider.baseUrl, 4, 20);
      const zero8 = await overheadAtZero(provider.baseUrl, 8, 20);
      results.engineOverhead = { at200ms: [at200x4, at200x8], at0ms: [zero4, zero8] };
      table([
        ['4 participants, 200 ms', `wall ${at200x4.wallMs.median} ms (engine ${at200x4.engineMs.median} ms), ratio ${at200x4.ratio.median}`],
        ['8 participants, 200 ms', `wall ${at200x8.wallMs.median} ms (engine ${at200x8.engineMs.median} ms), ratio ${at200x8.ratio.median}`],
        ['4 participants, 0 ms', `${zero4.perRoundMs.median} ms per round (engine alone ${zero4.enginePerRoundMs.median} ms)`],
        ['8 participants, 0 ms', `${zero8.perRoundMs.median} ms per round (engine alone ${zero8.enginePerRoundMs.median} ms)`],
      ]);
      goals.push({ figure: 'overhead ratio, 4 participants at 200 ms', goal: '≤ 1.03', value: at200x4.ratio.median, met: at200x4.ratio.median <= 1.03 });
      goals.push({ figure: 'per-round overhead, 4 participants at 0 ms (ms)', goal: '≤ 5', value: zero4.perRoundMs.median, met: zero4.perRoundMs.median <= 5 });
    }
    if (selected.has('throughput')) {
      log('\n2. Throughput (0 ms providers, 3 participants × 3 rounds, N in flight)');
      const rows = [];
      for (const [n, total] of [
        [1, 40],
        [8, 120],
        [32, 256],
      ] as const) {
        const r = await throughput(provider.baseUrl, n, total, 3);
        rows.push(r);
        log(
          `  N = ${String(n).padStart(2)}: ${r.deliberationsPerSec.median} deliberations/s, p50 ${r.p50Ms.median} ms, p95 ${r.p95Ms.median} ms, RSS ${r.rssMb.median} MB (heap ${r.heapUsedMb.median} MB)`,
        );
      }
      results.throughput = rows;
      const at32 = rows[rows.length - 1].deliberationsPerSec.median;
      goals.push({ figure: 'deliberations/s at N = 32', goal: '≥ 50', value: at32, met: at32 >= 50 });
    }
    if (selected.has('read')) {
      log('\n3. Read path (GET /v1/deliberations/:id/tokens, autocannon 50 connections × 10 s, 4 deliberations running)');
      const r = await readPath(provider.baseUrl, 3);
      results.readPath = r;
      table([
        ['requests/s', String(r.requestsPerSec.median)],
        ['latency p50 / p99', `${r.p50Ms.median} ms / ${r.p99Ms.median} ms`],
        ['deliberations finished meanwhile', `${r.backgroundCompleted.median} per run`],
      ]);
      goals.push({ figure: 'read p99 (ms)', goal: '≤ 20', value: r.p99Ms.median, met: r.p99Ms.median <= 20 });
    }
    if (selected.has('tokenizer')) {
      log('\n4. Tokenizer (cl100k_base; tokens/s)');
      const cases = tokenizer(9);
      results.tokenizer = cases;
      for (const c of cases) {
        const t = c.tokensPerSec;
        log(
          `  ${c.label} (${c.tokens} tokens, same counts: ${c.sameCounts}): service ${t.service.median}, tiktoken ${t.tiktoken.median}, ` +
            `gpt-tokenizer ${t.gptTokenizer.median}; service/tiktoken ${c.ratios.serviceToTiktoken}, gpt-tokenizer/tiktoken ${c.ratios.gptTokenizerToTiktoken}`,
        );
        goals.push({
          figure: `tokenizer service ÷ tiktoken, ${c.label}`,
          goal: '≥ 0.9',
          value: c.ratios.serviceToTiktoken,
          met: c.ratios.serviceToTiktoken >= 0.9,
        });
      }
    }
    if (selected.has('growth')) {
      log('\n5. Growth with size (4 participants × 10 rounds, 2 kB answers, 0 ms providers; ms per round)');
      const s = await growth(provider.baseUrl, 5);
      results.growth = s;
      log(`  ${s.perRoundMs.map((f, i) => `r${i + 1} ${f.median}`).join(', ')}`);
      log(`  growth (last 3 rounds ÷ rounds 2–4): ${s.growth}`);
    }
    if (selected.has('memory')) {
      log('\n6. Decision memory search (GET /v1/decisions?q=…&limit=10, TF-IDF in memory; sequential requests, ms)');
      const cases = await memorySearch(provider.baseUrl, [1_000, 10_000], 3);
      results.memorySearch = cases;
      for (const c of cases) {
        log(
          `  ${String(c.decisions).padStart(6)} decisions: p50 ${c.p50Ms.median}, p95 ${c.p95Ms.median} (first search, loading the index: ${c.firstSearchMs.median}); ${c.medianHits} hits per query`,
        );
      }
      const at10k = cases[cases.length - 1].p95Ms.median;
      goals.push({ figure: 'memory search p95 at 10k decisions (ms)', goal: '≤ 20', value: at10k, met: at10k <= 20 });
    }
    if (selected.has('scale')) {
      log('\n7. Scale-out (1 API + W workers on PostgreSQL and Redis; 3 participants × 3 rounds at 200 ms providers)');
      const s = await scaleOut(provider.baseUrl, [1, 2, 4], 24);
      results.scale = s;
      if ('skipped' in s) log(`  skipped: ${s.skipped}`);
      else {
        for (const r of s.runs) {
          log(
            `  ${r.workers} worker(s): ${r.deliberationsPerSec} deliberations/s (${r.deliberations} in ${r.wallMs} ms; physical floor ${r.floorMs} ms), ${r.commitsPerDeliberation} commits per deliberation`,
          );
        }
      }
    }
  } finally {
    await provider.close();
  }
  results.goals = goals;
  results.durationSec = Math.round((Date.now() - began) / 1000);
  log('\nGoals');
  for (const g of goals) log(`  ${g.met ? 'met    ' : 'NOT met'}  ${g.figure}: ${g.value} (goal ${g.goal})`);
  log(`\nTook ${results.durationSec} s.`);
  if (selected.size === SCENARIOS.length) {
    const dir = resolve(__dirname, '../../bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    log(`Wrote ${join(dir, 'latest.json')}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
