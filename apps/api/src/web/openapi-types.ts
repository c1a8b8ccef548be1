import { configSchema } from '@app/config';
import { join } from 'node:path';
import { projectRoot } from './web-page';

/**
 * The web page's API types come from the service's own OpenAPI document (never declared again by hand):
 * `npm run openapi` (openapi-export.ts) writes the document to apps/web/src/api/openapi.json and the types
 * generated from it to schema.d.ts; `--check` and test/openapi-types.e2e-spec.ts fail when either differs from
 * what the code produces now.
 */

export const OPENAPI_JSON = join(projectRoot(), 'apps', 'web', 'src', 'api', 'openapi.json');
export const SCHEMA_TS = join(projectRoot(), 'apps', 'web', 'src', 'api', 'schema.d.ts');

/** /docs-json of the app built in-process on an in-memory database (nothing listens on a public port). */
export async function currentOpenApiDocument(): Promise<Record<string, unknown>> {
  // Imported here so that loading this module (for the paths) does not load Nest.
  const { createApp } = await import('../app.factory');
  const config = configSchema.parse({ server: { logLevel: 'silent', port: 0 }, database: { path: ':memory:' } });
  const app = await createApp(config, null);
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/docs-json`);
    if (!res.ok) throw new Error(`/docs-json answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

/** The document as committed: stable key order is the document's own, two-space indent, final newline. */
export function documentText(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
