import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';

/**
 * Exposes a property whose value is user data (an object's fields): class-transformer hands
 * over the parsed value untouched instead of copying it, so validation can neither strip nor
 * alter user fields, and no user key is ever assigned onto a new object.
 */
export function RawJson(): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true }),
  );
}
