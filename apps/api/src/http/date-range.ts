import { isISO8601, registerDecorator, ValidationArguments } from 'class-validator';

/**
 * The ISO-8601 forms JavaScript's Date reads as the standard says (ECMAScript's date-time string format):
 * YYYY, YYYY-MM, YYYY-MM-DD, optionally THH:mm[:ss[.fraction]] and Z or ±HH[:]mm. ISO-8601 also has week
 * dates (2025-W01), ordinal dates (2025-001) and the basic format (20251101); class-validator accepts
 * them, Date does not (Invalid Date, then a 500 in toISOString) or misreads them, so they are refused.
 */
const DATE_TIME = /^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

/** Whether `value` is a date `new Date(value)` reads exactly: the form above, a real calendar day, in Date's range. */
export function isDateQuery(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME.test(value) && isISO8601(value, { strict: true, strictSeparator: true }) && Number.isFinite(Date.parse(value));
}

/** A `from`/`to` query parameter: only what `isDateQuery` accepts; `example` goes into the message. */
export function IsDateQuery(example: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDateQuery',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be an ISO-8601 date or date-time such as ${example} (YYYY-MM-DD[THH:mm[:ss]][Z|±HH:mm])` },
      validator: { validate: (value: unknown) => isDateQuery(value) },
    });
}

/** `to` must not come before `from` (when both are valid dates; otherwise their own rule reports). */
export function IsNotBefore(field: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [field],
      options: { message: `${String(propertyName)} must not be before ${field}` },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const other = (args.object as Record<string, unknown>)[field];
          if (typeof value !== 'string' || typeof other !== 'string') return true;
          const [to, from] = [Date.parse(value), Date.parse(other)];
          return Number.isNaN(to) || Number.isNaN(from) || from <= to;
        },
      },
    });
}
