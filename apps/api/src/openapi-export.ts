import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { currentOpenApiDocument, documentText, OPENAPI_JSON, SCHEMA_TS, typesFor } from './web/openapi-types';

/** `npm run openapi`: the OpenAPI document and the web page's types generated from it (see web/openapi-types.ts). */
async function main(): Promise<void> {
  const document = await currentOpenApiDocument();
  writeFileSync(OPENAPI_JSON, documentText(document));
  writeFileSync(SCHEMA_TS, await typesFor(document));
  process.stdout.write(`wrote ${relative(process.cwd(), OPENAPI_JSON)} and ${relative(process.cwd(), SCHEMA_TS)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`openapi: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
