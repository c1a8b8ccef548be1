import request from 'supertest';
import { startTestApp } from './support/test-app';
import { startPanel, turn, vote } from './support/scripted-providers';

it('smoke', async () => {
  const t0 = Date.now();
  const panel = await startPanel([
    { name: 'alpha', script: [turn('We should adopt webhooks now because polling wastes capacity.', vote('Webhooks'))] },
    { name: 'beta', script: [turn('Keep polling, it is simpler to operate and debug.', vote('Polling'))] },
  ]);
  const t = await startTestApp({ adapters: panel.adapters });
  const t1 = Date.now();
  const res = await request(t.url).post('/v1/deliberations?wait=true').send({ question: 'Webhooks or polling?', participants: panel.participants(), maxRounds: 2 });
  const t2 = Date.now();
  console.log(t1 - t0, t2 - t1, res.status, JSON.stringify(res.body, null, 1).slice(0, 6000));
  await t.close();
  await panel.close();
});
