import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConclaveConfig, ConfigModule } from '@app/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdaptersApiModule } from './adapters/adapters-api.module';
import { AllocationsApiModule } from './allocations/allocations-api.module';
import { BudgetsApiModule } from './budgets/budgets-api.module';
import { DatabaseClaim } from './database/database-claim';
import { databaseOptions } from './database/database-options';
import { DecisionsApiModule } from './decisions/decisions-api.module';
import { guardTransactions } from './database/guard-transactions';
import { DeliberationsApiModule } from './deliberations/deliberations-api.module';
import { HealthController } from './health/health.controller';
import { ApiKeyGuard } from './http/api-key.guard';
import { ErrorFilter } from './http/error.filter';
import { createValidationPipe } from './http/validation';
import { McpModule } from './mcp/mcp.module';
import { SchedulesApiModule } from './schedules/schedules-api.module';
import { MetricsApiModule } from './metrics/metrics-api.module';
import { UsageApiModule } from './usage/usage-api.module';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** How the app is hosted: the MCP stdio server runs it in-process, where stdout carries protocol messages only. */
export interface AppOptions {
  /** Write the JSON logs to stderr instead of stdout. */
  logToStderr?: boolean;
}

@Module({})
export class AppModule {
  /** `lock`: the database's claim (lock file or advisory lock), taken by createApp; provided so the app releases it when it closes. */
  static forRoot(config: ConclaveConfig, lock: DatabaseClaim | null = null, options: AppOptions = {}): DynamicModule {
    const pinoOptions = {
      level: config.server.logLevel,
      // A client's request id is kept when it is sane, so logs correlate across services.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["x-goog-api-key"]'], censor: '[redacted]' },
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
    };
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: options.logToStderr ? [pinoOptions, pino.destination({ fd: 2, sync: true })] : pinoOptions,
        }),
        TypeOrmModule.forRootAsync({
          // No retry loop: the database was checked before the app started, and one that cannot be opened
          // now will not open in three seconds either; the error reaches main as one line.
          useFactory: () => ({ ...databaseOptions(config), retryAttempts: 0, toRetry: () => false }),
          dataSourceFactory: async (options) => guardTransactions(await new DataSource(options!).initialize()),
        }),
        ScheduleModule.forRoot(),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: config.rateLimit.ttlMs, limit: config.rateLimit.limit }],
          // The guard also sets Retry-After; the error filter turns this into the usual error shape.
          errorMessage: `rate limit: at most ${config.rateLimit.limit} requests per ${config.rateLimit.ttlMs} ms; retry after Retry-After seconds`,
        }),
        TerminusModule,
        AdaptersApiModule,
        UsageApiModule,
        MetricsApiModule,
        BudgetsApiModule,
        AllocationsApiModule,
        DeliberationsApiModule,
        DecisionsApiModule,
        McpModule,
        SchedulesApiModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        ...(lock ? [{ provide: DatabaseClaim, useValue: lock }] : []),
      ],
    };
  }
}
