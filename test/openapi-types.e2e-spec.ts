import { readFileSync } from 'node:fs';
import { currentOpenApiDocument, documentText, OPENAPI_JSON, SCHEMA_TS, typesFor } from '../apps/api/src/web/openapi-types';

/**
 * The web page is typed from the service's OpenAPI document: the committed copy of /docs-json and the
 * types generated from it must be what the code produces now. When this fails, run `npm run openapi`
 * and commit both files (then fix whatever the page no longer type-checks against).
 */
describe('the web page API types (e2e)', () => {
  let document: Record<string, unknown>;

  beforeAll(async () => {
    document = await currentOpenApiDocument();
  });

  it('should have the current /docs-json committed as apps/web/src/api/openapi.json', () => {
    expect(readFileSync(OPENAPI_JSON, 'utf8')).toBe(documentText(document));
  });

  it('should have schema.d.ts generated from it', async () => {
    expect(readFileSync(SCHEMA_TS, 'utf8')).toBe(await typesFor(document));
  });

  it('should document the shapes the page reads, not just descriptions', () => {
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    for (const name of ['DeliberationViewDto', 'DeliberationEventDto', 'DeliberationTokensDto', 'CheckpointSummaryDto', 'WindowStatusDto', 'UsageOverTimeDto', 'AllocationDto', 'DecisionFiguresDto']) {
      expect([name, schemas[name] !== undefined]).toEqual([name, true]);
    }
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    expect(paths['/v1/deliberations/{id}'].get.responses['200'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeliberationViewDto' });
  });
});
