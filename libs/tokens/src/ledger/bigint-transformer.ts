import type { ValueTransformer } from 'typeorm';

/** PostgreSQL returns bigint as a string and SQLite as a number; the domain wants numbers (micro-dollar sums stay below 2^53). */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};
