import { Injectable } from '@nestjs/common';

/** The time source of the deliberation lib: a seam so tests and benchmarks can move time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
