import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { currentOpenApiDocument, documentText, OPENAPI_JSON, SCHEMA_TS } from '../apps/api/src/web/openapi-types';

/**
 * The web page is typed from the service's OpenAPI document: the committed copy of /docs-json and the
 * types generated from it must be what the code produces now. When this fails, run `npm run openapi`
 * and commit both files (then fix whatever the page no longer type-checks against).
 */
const EXPORT = resolve(__dirname, '../dist/apps/api/src/openapi-export.js');

describe('the web page API types (e2e)', () => {
  let document: Record<string, unknown>;

  beforeAll(async () => {
    document = await currentOpenApiDocument();
  });

  it('should have the current /docs-json committed as apps/web/src/api/openapi.json', () => {
    expect(readFileSync(OPENAPI_JSON, 'utf8')).toBe(documentText(document));
  });

  it('should have schema.d.ts generated from it (the built `openapi --check`), and say so when it is not', () => {
    expect(existsSync(EXPORT)).toBe(true);
    const check = () => spawnSync(process.execPath, [EXPORT, '--check'], { encoding: 'utf8', timeout: 60_000 });
    const current = check();
    expect([current.status, current.stderr]).toEqual([0, '']);
    const committed = readFileSync(SCHEMA_TS, 'utf8');
    try {
      writeFileSync(SCHEMA_TS, committed.replace('DeliberationViewDto: {', 'DeliberationViewDto: {\n            stale: true;'));
      const stale = check();
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('schema.d.ts');
      expect(stale.stderr).not.toContain('openapi.json');
    } finally {
      writeFileSync(SCHEMA_TS, committed);
    }
  }, 90_000);

  it('should document the shapes the page reads, not just descriptions', () => {
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    for (const name of [
      'DeliberationViewDto',
      'DeliberationEventDto',
      'DeliberationTokensDto',
      'CheckpointSummaryDto',
      'WindowStatusDto',
      'UsageOverTimeDto',
      'AllocationDto',
      'DecisionFiguresDto',
    ]) {
      expect([name, schemas[name] !== undefined]).toEqual([name, true]);
    }
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    expect(paths['/v1/deliberations/{id}'].get.responses['200'].content?.['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DeliberationViewDto',
    });
    expect(paths['/v1/deliberations/{id}/events'].get.responses['200'].content?.['text/event-stream'].schema).toEqual({
      $ref: '#/components/schemas/DeliberationEventDto',
    });
  });
});
