import { registerDecorator, ValidationArguments } from 'class-validator';

/** Strict ISO-8601 for `from`/`to` query parameters. */
export const ISO_DATE = { strict: true, strictSeparator: true };

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
