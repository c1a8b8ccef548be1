import express from 'express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { mountWebPage, projectRoot } from './web-page';

describe(mountWebPage.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-web-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The page's middleware, then what stands for Nest's routes: anything that falls through. */
  function server() {
    const app = express();
    mountWebPage(app, dir);
    app.use((req, res) => res.status(404).json({ fellThrough: req.path }));
    return app;
  }

  it('should say how to build the page when dist/web is absent, not fail', async () => {
    const res = await request(server()).get('/').expect(200);
    expect(res.text).toContain('npm run build');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('should serve the built page and its assets, under a policy that allows no other origin', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    const page = await request(server()).get('/').expect(200);
    expect(page.text).toContain('<title>page</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await request(server()).get('/assets/index-abc.js').expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['content-security-policy']).toContain("connect-src 'self'");
  });

  it('should leave every other path to the routes behind it, files on disk included', async () => {
    writeFileSync(join(dir, 'index.html'), 'page');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    for (const path of ['/v1/budgets/status', '/secret.txt', '/index.html/..', '/assets/missing.js']) {
      const res = await request(server()).get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.text).not.toBe('no');
    }
    await request(server()).post('/').expect(404);
  });

  it('should find the checkout root from its own folder', () => {
    expect(projectRoot(__dirname)).toBe(join(__dirname, '..', '..', '..', '..'));
  });
});
