export * from './config.schema';
export * from './load-config';
export * from './config.module';
export * from './domain-error';
export * from './sql';
export { Clock } from './clock';
export { detached, transactionScope } from './transaction-scope';
