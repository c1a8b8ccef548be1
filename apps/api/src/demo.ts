import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema } from '@app/config';
import { createApp } from './app.factory';

/**
 * The main job of the Quick start: the real service on an embedded SQLite file, a three-participant
 * deliberation replayed from the shipped cassette through the real engine, progress per round, the
 * outcome, votes and token totals. The service keeps running afterwards (Ctrl-C stops it) unless
 * `--exit` is given.
 */
const cassette = resolve(__dirname, '../../../../demo/cassette.json');
const keepRunning = !process.argv.includes('--exit');

function participant(name: string, tier: 'T0' | 'T2' | 'T3', fast: string, reasoning: string) {
  return { name, kind: 'replay', cassette, delayMs: 300, tier, models: { fast, reasoning } };
}

async function main(): Promise<void> {
  const config = configSchema.parse({
    server: { port: Number(process.env.PORT ?? 3000), logLevel: 'warn' },
    database: { path: process.env.CONCLAVE_DB ?? './data/conclave.sqlite' },
    adapters: [
      participant('architect', 'T3', 'claude-haiku-4-5', 'claude-sonnet-4-5'),
      participant('sre', 'T2', 'gpt-5-mini', 'gpt-5'),
      participant('security', 'T0', 'llama3.2', 'qwen2.5:14b'),
    ],
  });
  const app = await createApp(config);
  await app.listen(config.server.port, config.server.host);
  const base = `http://${config.server.host}:${config.server.port}`;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`Conclave is running at ${base} (OpenAPI at ${base}/docs)\n`);

  const question = 'Should our billing service move from REST polling to webhooks for payment status updates?';
  const created = await fetch(`${base}/v1/deliberations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      question,
      participants: [
        { adapter: 'architect', stance: 'for' },
        { adapter: 'sre', stance: 'neutral' },
        { adapter: 'security', stance: 'against', role: 'security' },
      ],
      maxRounds: 3,
    }),
  });
  const { id } = (await created.json()) as { id: string };
  say(`Deliberation ${id}\nQuestion: ${question}\n`);

  const stream = await fetch(`${base}/v1/deliberations/${id}/events`);
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = chunk.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as { type: string; data: Record<string, any> };
      const d = event.data;
      if (event.type === 'round_started') say(`Round ${d.round} — asking ${d.participants?.length ?? ''} participants`);
      if (event.type === 'response_received') {
        const vote = d.vote ? `votes "${d.vote.option}" (${d.vote.confidence})` : `no vote (${d.error?.kind ?? d.voteError})`;
        say(`  ${d.adapter} (${d.model}): ${vote}, ${d.tokens} tokens, ${d.latencyMs} ms`);
      }
      if (event.type === 'round_completed') {
        const c = d.convergence;
        say(`  convergence: ${c ? `${c.score.toFixed(2)} (${c.status})` : 'n/a (first round)'}`);
      }
    }
  }

  const view = (await (await fetch(`${base}/v1/deliberations/${id}`)).json()) as any;
  const tokens = (await (await fetch(`${base}/v1/deliberations/${id}/tokens`)).json()) as any;
  const result = view.result;
  say(`\nStatus: ${view.status}; stop reason: ${result?.stopReason}; rounds used: ${result?.roundsUsed}`);
  say(`Outcome: ${result?.outcome}${result?.winningOption ? ` — "${result.winningOption}"` : ''}`);
  for (const entry of result?.tally ?? []) {
    say(`  ${entry.votes} vote(s) for "${entry.option}" (average confidence ${entry.averageConfidence.toFixed(2)})`);
  }
  const t = tokens.totals;
  say(
    `Tokens: ${t.totalTokens} (input ${t.inputTokens}, output ${t.outputTokens}); exact ${t.exactTokens}, estimated ${t.estimatedTokens}; ` +
      `cost $${(t.costUsd ?? 0).toFixed(4)} (between $${(t.costLowerUsd ?? 0).toFixed(4)} and $${(t.costUpperUsd ?? 0).toFixed(4)}, confidence ${t.costConfidence?.toFixed(2)})`,
  );
  const transcript = await (await fetch(`${base}/v1/deliberations/${id}/transcript`)).text();
  // data/ exists when the database is in it (the default), not when CONCLAVE_DB points elsewhere.
  mkdirSync(resolve('data'), { recursive: true });
  const file = resolve('data', `transcript-${id}.md`);
  writeFileSync(file, transcript);
  say(`\nTranscript: ${file}\n  or GET ${base}/v1/deliberations/${id}/transcript`);
  say(`Token stats: GET ${base}/v1/deliberations/${id}/tokens`);
  say(`MCP: ${base}/mcp for coding agents (claude mcp add --transport http conclave ${base}/mcp), or stdio with npx conclave-mcp`);
  if (keepRunning) {
    say('\nThe service keeps running; press Ctrl-C to stop it.');
  } else {
    await app.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
