import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { configSchema } from '@app/config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { median, round } from '../support/stats';
import { economyCassettes } from './cassettes';
import { memoryReplay, type MemoryReplay } from './memory';

/**
 * `npm run bench:economy`: replays the economy cassettes through the real service under each history
 * policy and compares the tokens and cost per decision. The answers are the cassette's, so every policy
 * decides on the same words: what changes is what each participant had to re-read (input tokens,
 * counted with tiktoken from the prompts actually built) and so the cost.
 */
const POLICIES = ['full', 'latest', 'digest'] as const;
type Policy = (typeof POLICIES)[number];

/** Real model names with prices, so cost per decision reads as a user would see it. */
const MODELS = ['claude-sonnet-4-5', 'gpt-4.1', 'gemini-2.5-pro', 'gpt-4.1-mini'];
const PRICES = {
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'gpt-4.1': { input: 2, output: 8 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
};

interface Run {
  cassette: number;
  policy: Policy;
  inputTokens: number;
  totalTokens: number;
  costUsd: number;
  outcome: string;
  winningOption: string | null;
  roundsUsed: number;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function runOne(dir: string, index: number, participants: number, policy: Policy): Promise<Run> {
  const config = configSchema.parse({
    server: { port: 0, logLevel: 'silent' },
    database: { path: join(dir, `economy-${index}-${policy}.sqlite`) },
    adapters: Array.from({ length: participants }, (_, i) => ({
      name: `r${i}`,
      kind: 'replay',
      cassette: join(dir, `cassette-${index}.json`),
      tier: 'T2',
      models: { fast: MODELS[i], reasoning: MODELS[i] },
      // Large enough that `full` is never trimmed: the comparison is between policies, not windows.
      contextTokens: 1_000_000,
    })),
    prices: PRICES,
    deliberation: { history: policy },
    rateLimit: { ttlMs: 60_000, limit: 1_000_000 },
  });
  const app: INestApplication = await createApp(config);
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const res = await fetch(`${url}/v1/deliberations?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        question: economyCassettes()[index].question,
        participants: Array.from({ length: participants }, (_, i) => ({ adapter: `r${i}` })),
        maxRounds: 3,
      }),
    });
    const view = (await res.json()) as {
      id: string;
      status: string;
      result: { outcome: string; winningOption: string | null; roundsUsed: number } | null;
      failure?: string;
    };
    if (res.status !== 200 || view.status !== 'completed' || !view.result)
      throw new Error(`cassette ${index} under ${policy}: HTTP ${res.status}, ${JSON.stringify(view).slice(0, 300)}`);
    const tokens = (await (await fetch(`${url}/v1/deliberations/${view.id}/tokens`)).json()) as {
      totals: { inputTokens: number; totalTokens: number; costUsd: number };
    };
    return {
      cassette: index,
      policy,
      inputTokens: tokens.totals.inputTokens,
      totalTokens: tokens.totals.totalTokens,
      costUsd: tokens.totals.costUsd,
      outcome: view.result.outcome,
      winningOption: view.result.winningOption,
      roundsUsed: view.result.roundsUsed,
    };
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-economy-'));
  const cassettes = economyCassettes();
  const runs: Run[] = [];
  let memory: MemoryReplay;
  try {
    cassettes.forEach((c, i) => writeFileSync(join(dir, `cassette-${i}.json`), JSON.stringify(c)));
    for (const [i, cassette] of cassettes.entries()) {
      for (const policy of POLICIES) runs.push(await runOne(dir, i, cassette.participants.length, policy));
    }
    memory = await memoryReplay(dir, cassettes, MODELS, PRICES);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const sum = (policy: Policy, key: 'inputTokens' | 'totalTokens' | 'costUsd') => runs.filter((r) => r.policy === policy).reduce((a, r) => a + r[key], 0);
  const perDecision = (policy: Policy, key: 'inputTokens' | 'totalTokens' | 'costUsd') => median(runs.filter((r) => r.policy === policy).map((r) => r[key]));
  const sameDecision = cassettes.map((_, i) => {
    const full = runs.find((r) => r.cassette === i && r.policy === 'full')!;
    return POLICIES.every((p) => {
      const r = runs.find((x) => x.cassette === i && x.policy === p)!;
      return r.outcome === full.outcome && r.winningOption === full.winningOption && r.roundsUsed === full.roundsUsed;
    });
  });
  const summary = Object.fromEntries(
    POLICIES.map((p) => [
      p,
      {
        inputTokens: sum(p, 'inputTokens'),
        totalTokens: sum(p, 'totalTokens'),
        costUsd: round(sum(p, 'costUsd'), 4),
        medianInputTokensPerDecision: perDecision(p, 'inputTokens'),
        medianTotalTokensPerDecision: perDecision(p, 'totalTokens'),
        medianCostUsdPerDecision: round(perDecision(p, 'costUsd'), 4),
        inputVsFull: round(sum(p, 'inputTokens') / sum('full', 'inputTokens'), 3),
        totalVsFull: round(sum(p, 'totalTokens') / sum('full', 'totalTokens'), 3),
      },
    ]),
  );
  const goal = {
    figure: 'digest input tokens ÷ full',
    goal: '≤ 0.50, same outcome and winner on every cassette',
    value: summary.digest.inputVsFull,
    met: summary.digest.inputVsFull <= 0.5 && sameDecision.every(Boolean),
  };

  log(`Economy: ${cassettes.length} cassettes × ${POLICIES.join(', ')}`);
  for (const p of POLICIES) {
    const s = summary[p];
    log(
      `  ${p.padEnd(7)} input ${String(s.inputTokens).padStart(8)}  total ${String(s.totalTokens).padStart(8)}  $${s.costUsd.toFixed(4)}  input ÷ full ${s.inputVsFull}  per decision: ${s.medianTotalTokensPerDecision} tokens, $${s.medianCostUsdPerDecision}`,
    );
  }
  log(`  same outcome, winner and rounds on every cassette: ${sameDecision.every(Boolean)}`);
  log(`  goal ${goal.figure} ${goal.goal}: ${goal.value} → ${goal.met ? 'met' : 'NOT met'}`);
  log(`Memory (memory: reuse; ${cassettes.length} questions decided, then asked again as look-alikes, repeats and paraphrases):`);
  log(
    `  tokens without memory ${memory.tokensWithoutMemory}, with ${memory.tokensWithMemory}, saved ${memory.tokensSaved} (${round((100 * memory.tokensSaved) / memory.tokensWithoutMemory, 1)}%)`,
  );
  log(`  reused: repeats ${memory.reused.repeats}, paraphrases ${memory.reused.paraphrases}; false reuse ${memory.falseReuse}`);

  const out = resolve(__dirname, '../../../bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'economy.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, summary, sameDecision, goal, runs, memory }, null, 2)}\n`,
  );
  log(`  written: bench/results/economy.json`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
