import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ConclaveConfig } from '@app/config';
import express from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module';
import type { DatabaseClaim } from './database/database-claim';
import { openDatabase } from './database/open-database';
import { mountWebPage } from './web/web-page';

/**
 * GET /v1/decisions takes a question of up to 20,000 characters in its query (`q`), which URL-encoded can
 * reach 180 KB: past Node's 16 KiB header limit, a bare 431 would answer before the API could check it.
 */
const MAX_HEADER_BYTES = 256 * 1024;

class ExpressAdapterWithLongUrls extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    // Conclave serves plain HTTP without forceCloseConnections, so the server the parent made is simply replaced.
    this.setHttpServer(createServer({ maxHeaderSize: MAX_HEADER_BYTES }, this.getInstance()));
  }
}

/**
 * Builds the whole app for a validated configuration: used by main, the demo, the e2e tests and the
 * benchmarks. `lock`: the database already claimed by the caller (main does it before loading Nest), or
 * null for none; when not given it is claimed here. A DatabaseStartError says in one line why the database cannot be used.
 * The app releases the lock when it closes. `options`: how it is hosted (the MCP stdio server logs to stderr).
 */
export async function createApp(config: ConclaveConfig, given?: DatabaseClaim | null, options: AppOptions = {}): Promise<INestApplication> {
  const lock = given === undefined ? await openDatabase(config.database.path) : given;
  try {
    return await buildApp(config, lock, options);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

async function buildApp(config: ConclaveConfig, lock: DatabaseClaim | null, options: AppOptions): Promise<INestApplication> {
  // Express matches paths case-insensitively by default, so `/V1/budgets/daily` reached the /v1 handlers.
  // Its router reads the setting once, when created (the adapter's constructor already creates it), so the
  // instance is made here with the setting in place.
  const server = express().set('case sensitive routing', true);
  // The web page at `/`, ahead of Nest's routes (its files are public; its API calls send the key).
  mountWebPage(server);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, lock, options), new ExpressAdapterWithLongUrls(server), {
    bodyParser: false,
    bufferLogs: true,
    // A failure while starting is thrown to the caller (main prints it as one line) instead of Nest
    // logging it with its stack and ending the process itself.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: config.server.bodyLimitBytes });
  app.set('x-powered-by', false);
  // After a signal the app closes (runs are interrupted at a safe point), then the process exits 0: a
  // clean stop, not a death by signal, and pino's buffered lines are flushed on 'exit'.
  app.enableShutdownHooks([], { useProcessExit: true });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conclave')
      .setDescription('Multi-LLM deliberation with token governance: rounds, votes, convergence, budgets, tiers and checkpoints.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
