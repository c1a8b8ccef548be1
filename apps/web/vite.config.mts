import { defineConfig } from 'vite';

// Built by `npm run build` into dist/web, which the service serves at `/` (apps/api/src/web/web-page.ts).
// JSX goes through Vite's own transformer with Preact's automatic runtime: no framework plugin needed.
const here = new URL('.', import.meta.url).pathname;

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: new URL('../../dist/web', import.meta.url).pathname,
    emptyOutDir: true,
    // Everything is served by the service itself: no CDN, no external font, nothing inlined from elsewhere.
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
