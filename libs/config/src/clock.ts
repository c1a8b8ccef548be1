import { Injectable } from '@nestjs/common';

/** The one time seam of every lib: services ask it instead of `new Date()`, so tests and benchmarks can move time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
