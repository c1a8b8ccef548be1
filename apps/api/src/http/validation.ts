import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { Matches } from 'class-validator';

interface FieldProblem {
  field: string;
  problems: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** C0 controls but tab, newline and carriage return; DEL; C1 controls. */
const CONTROL = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$/;

/**
 * Text that reaches prompts, and so CLI arguments and files: NUL cannot be passed in an argv at all
 * (spawn throws, the call fails after the deliberation started) and escape sequences are terminal
 * control, not content. Refused at the edge, naming the field.
 */
export const IsPlainText = (): PropertyDecorator =>
  Matches(CONTROL, {
    message: ({ property }) => `${property} must not contain control characters (NUL, ESC, ...) other than tab, newline and carriage return`,
  });

/** Deepest nesting of objects and arrays a request may send; the DTOs need four levels. */
export const MAX_INPUT_DEPTH = 32;

/**
 * How deeply objects and arrays nest in `value`, counted without recursion (so a hostile body cannot
 * overflow the stack here) and stopping as soon as `limit` is exceeded.
 */
export function nestingDepth(value: unknown, limit = Number.MAX_SAFE_INTEGER): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The global pipe. class-transformer and class-validator walk a body recursively, unknown fields
 * included, so a body nested thousands of levels deep would overflow the stack (a 500); it is refused
 * first, as a 400.
 */
class EdgeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (nestingDepth(value, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH) {
      const field = metadata.type === 'custom' ? 'input' : metadata.type;
      throw new BadRequestException({
        message: `${field} is nested too deeply: at most ${MAX_INPUT_DEPTH} levels of objects and arrays`,
        details: [{ field, problems: [`nested deeper than ${MAX_INPUT_DEPTH} levels`] }],
      });
    }
    return super.transform(value, metadata);
  }
}

/** Validation at the edge: unknown fields and wrong types are a 400 that names each field and why. */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      // class-validator names only the property; a nested one ("question" inside "deliberation") gets its whole path.
      const message = details.map((d) => (d.field.includes('.') ? `${d.field}: ` : '') + d.problems.join('; ')).join('; ') || 'invalid request';
      return new BadRequestException({ message, details });
    },
  });
}
