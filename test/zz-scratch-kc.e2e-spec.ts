import request from 'supertest';
import { startTestApp } from './support/test-app';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus } from './support/round-script';

it('explore', async () => {
  const p = await startScriptedProvider((c) => ({ text: answer(prose(c.stance, c.round), c.round === 1 && c.stance === 'against' ? 'B' : 'A'), usage: { input: 100, output: 50 } }));
  const t = await startTestApp({ adapters: [httpAdapter(p, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })], deliberation: { maxOutputTokens: 1000 }, budgets: { daily: { tokens: 1_000_000 } } });
  try {
    const res = await request(t.url).post('/v1/deliberations').send({ question: 'Should we move billing to webhooks?', maxRounds: 3, participants: [{ adapter: 'cloud', stance: 'for' }, { adapter: 'cloud', stance: 'against' }, { adapter: 'cloud', stance: 'neutral' }] }).expect(202);
    const d = await waitForStatus(t.url, res.body.id);
    console.log(JSON.stringify(d.rounds.map((r: any) => ({ n: r.number, conv: r.convergence, models: r.responses.map((x: any) => x.model + ':' + x.tokens.total), dec: r.decisions.map((x: any) => x.reason) })), null, 1), d.status, JSON.stringify(d.result));
    const st = await request(t.url).get('/v1/budgets/status');
    console.log(JSON.stringify(st.body[0]));
    const al = await request(t.url).get('/v1/allocations').query({ deliberationId: res.body.id });
    console.log(JSON.stringify(al.body[0]), al.body.length);
    console.log(JSON.stringify((await request(t.url).get('/v1/allocations/stats')).body));
    console.log(JSON.stringify((await request(t.url).get(`/v1/deliberations/${res.body.id}/tokens`)).body).slice(0, 1500));
    console.log(JSON.stringify((await request(t.url).get(`/v1/deliberations/${res.body.id}/checkpoints`)).body));
    // estimates: run with a maxTokens tiny to see nextRoundEstimate
    const r2 = await request(t.url).post('/v1/deliberations').send({ question: 'Should we move billing to webhooks?', maxRounds: 3, budget: { maxTokens: 100 }, participants: [{ adapter: 'cloud', stance: 'for' }, { adapter: 'cloud', stance: 'against' }, { adapter: 'cloud', stance: 'neutral' }] }).expect(202);
    const d2 = await waitForStatus(t.url, r2.body.id);
    console.log(d2.status, JSON.stringify(d2.pause));
  } finally {
    await t.close();
    await p.close();
  }
});
