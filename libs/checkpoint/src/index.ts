import { CheckpointEntity } from './checkpoint.entity';
import { CreateCheckpoints1763900003000 } from './create-checkpoints.migration';

export * from './checkpoint.store';
export * from './checkpoint-pruner';
export * from './checkpoint.module';
export const checkpointEntities = [CheckpointEntity];
export const checkpointMigrations = [CreateCheckpoints1763900003000];
