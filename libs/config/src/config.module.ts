import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { ConclaveConfig } from './config.schema';

/** The injection token of the validated configuration. */
export const CONCLAVE_CONFIG = Symbol('CONCLAVE_CONFIG');

/** Holds the configuration validated before the app was created, so every lib injects the same object. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ConclaveConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CONCLAVE_CONFIG, useValue: config }, Clock],
      exports: [CONCLAVE_CONFIG, Clock],
    };
  }
}
