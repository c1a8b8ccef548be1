import { Module } from '@nestjs/common';
import { CheckpointStore } from './checkpoint.store';

@Module({ providers: [CheckpointStore], exports: [CheckpointStore] })
export class CheckpointModule {}
