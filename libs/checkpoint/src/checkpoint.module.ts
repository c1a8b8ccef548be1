import { Module } from '@nestjs/common';
import { CheckpointPruner } from './checkpoint-pruner';
import { CheckpointStore } from './checkpoint.store';

@Module({ providers: [CheckpointStore, CheckpointPruner], exports: [CheckpointStore, CheckpointPruner] })
export class CheckpointModule {}
