import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { DataSource } from 'typeorm';
import { databaseOptions } from './apps/api/src/database/database-options';

/** The DataSource the TypeORM CLI uses (npm run migration:generate / migration:run); same options as the app. */
export default new DataSource({ ...databaseOptions(loadConfig(process.env)), migrationsRun: false });
