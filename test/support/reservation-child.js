// One of several processes reserving against one budget window in a shared PostgreSQL database, through
// the built BudgetLedger (dist/, made by `nest build api`, which npm test runs first), for
// test/budget-reservations.e2e-spec.ts. Plain JavaScript so it starts without a compiler.
//
// Environment: CONCLAVE_DB (the database, already migrated), CAP (the daily token cap), TOKENS (each
// reservation), COUNT (reservations per "reserve"), ROUND_TIMEOUT_MS (sets how soon a reservation expires).
// Reads one command a line on stdin and answers with one JSON line on stdout:
//   (start)   {"ready":true}
//   reserve   COUNT reservations at once: {"ok":n,"refused":m,"daily":{...status as this process sees it}}
//   release   every reservation it holds:  {"released":n}
//   exit      closes the database and exits
'use strict';
require('reflect-metadata');
const { resolve } = require('node:path');
const { createInterface } = require('node:readline');
const { DataSource } = require('typeorm');

const libs = resolve(__dirname, '../../dist/libs');
const { configSchema, Clock } = require(`${libs}/config/src/index.js`);
const { BudgetLedger, tieringEntities } = require(`${libs}/tiering/src/index.js`);
const { BudgetWindowRepository } = require(`${libs}/tiering/src/budget/budget-window.repository.js`);
const { BudgetReservationStore } = require(`${libs}/tiering/src/budget/budget-reservation.store.js`);

const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function main() {
  const config = configSchema.parse({
    budgets: { daily: { tokens: Number(process.env.CAP) } },
    deliberation: { roundTimeoutMs: Number(process.env.ROUND_TIMEOUT_MS ?? 300000) },
  });
  const dataSource = await new DataSource({ type: 'postgres', url: process.env.CONCLAVE_DB, entities: tieringEntities, poolSize: 10 }).initialize();
  const ledger = new BudgetLedger(config, new BudgetWindowRepository(dataSource), new Clock(), new BudgetReservationStore(dataSource));
  await ledger.init();
  const held = [];
  say({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'reserve') {
      const amount = { tokens: Number(process.env.TOKENS), usd: 0 };
      const results = await Promise.all(Array.from({ length: Number(process.env.COUNT) }, () => ledger.reserve(amount)));
      for (const r of results) if (r.ok) held.push(r.reservation);
      say({ ok: results.filter((r) => r.ok).length, refused: results.filter((r) => !r.ok).length, daily: ledger.status().find((w) => w.window === 'daily') });
    } else if (command === 'release') {
      const all = held.splice(0);
      await Promise.all(all.map((r) => ledger.release(r)));
      say({ released: all.length });
    } else if (command === 'exit') {
      break;
    }
  }
  await dataSource.destroy();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
