import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ConclaveConfig } from '@app/config';
import express from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';

/** Builds the whole app for a validated configuration: used by main, the demo, the e2e tests and the benchmarks. */
export async function createApp(config: ConclaveConfig): Promise<INestApplication> {
  // Express matches paths case-insensitively by default, so `/V1/budgets/daily` reached the /v1 handlers.
  // Its router reads the setting once, when created (the adapter's constructor already creates it), so the
  // instance is made here with the setting in place.
  const server = express().set('case sensitive routing', true);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ExpressAdapter(server), { bodyParser: false, bufferLogs: true });
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
