import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Mission Control, the web page (apps/web, built by `npm run build` into dist/web), served at `/` by the
 * service itself: plain Express static middleware mounted before Nest's router, so it is no Nest route and
 * the API key guard never sees it. The page holds no data; every API call it makes sends the key.
 * Static serving only answers files that exist, so every other path still reaches Nest unchanged.
 */

/** The checkout's root: the nearest folder up from here with a package.json (source and dist alike). */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}

export const WEB_DIR = join(projectRoot(), 'dist', 'web');

/**
 * No external origin may be reached (no CDN, no font host: many servers have no internet), scripts only
 * from the service; uPlot sets inline styles, so those are allowed.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Conclave</title>
<p>The Conclave web page has not been built. Run <code>npm run build</code> (it writes <code>dist/web/</code>) and reload.</p>
<p>The API is up: <a href="/docs">/docs</a>.</p>`;

export function mountWebPage(server: Express, dir: string = WEB_DIR): void {
  const headers = (res: Response) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
  };
  // The page's own files: hashed assets are cached for good, index.html never (it names the current ones).
  const statics = express.static(dir, {
    index: 'index.html',
    dotfiles: 'ignore',
    redirect: false,
    setHeaders: (res, path) => {
      headers(res);
      res.setHeader('Cache-Control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  server.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/' && !existsSync(join(dir, 'index.html'))) {
      headers(res);
      res.status(200).type('html').send(NOT_BUILT);
      return;
    }
    // Only the page and its assets: API paths never touch the disk.
    if (req.path === '/' || req.path.startsWith('/assets/') || req.path === '/favicon.svg') return statics(req, res, next);
    next();
  });
}
