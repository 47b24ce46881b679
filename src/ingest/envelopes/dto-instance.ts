import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';

export type DtoClass<T extends object = object> = new () => T;

/** A DTO field as class-transformer would fill it: the source key, and the DTO class it nests, if any. */
interface FieldPlan {
  key: string;
  nested?: DtoClass;
}

const plans = new Map<DtoClass, FieldPlan[]>();

/**
 * The instance `plainToInstance(dtoClass, plain, { excludeExtraneousValues: true })` would build
 * for validation, for DTOs that only use `@Expose()` and `@Type(() => Dto)`: every exposed field,
 * with nested DTO fields instantiated (arrays element by element, like class-transformer), and
 * every other value shared with `plain`, not copied. So user objects are never walked (a user field
 * called `constructor` or `__proto__` cannot trip anything up) and their size costs nothing.
 * The plan of each class is read from the decorators once.
 */
export function toDtoInstance<T extends object>(dtoClass: DtoClass<T>, plain: Record<string, unknown>): T {
  const instance = new dtoClass() as Record<string, unknown>;
  for (const { key, nested } of planOf(dtoClass)) {
    const value = plain[key];
    instance[key] = nested ? toNestedValue(nested, value) : value;
  }
  return instance as T;
}

function toNestedValue(dtoClass: DtoClass, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => toNestedValue(dtoClass, item));
  if (typeof value === 'object' && value !== null) return toDtoInstance(dtoClass, value as Record<string, unknown>);
  return value;
}

function planOf(dtoClass: DtoClass): FieldPlan[] {
  let plan = plans.get(dtoClass);
  if (!plan) {
    plan = readPlan(dtoClass);
    plans.set(dtoClass, plan);
  }
  return plan;
}

/** @throws Error for a decorator this short-cut does not reproduce, so a DTO change cannot silently validate otherwise. */
function readPlan(dtoClass: DtoClass): FieldPlan[] {
  const unsupported = (what: string) => new Error(`${dtoClass.name}: ${what} is not supported by toDtoInstance; use @Expose() and @Type(() => Dto) only`);
  if (defaultMetadataStorage.getExcludedMetadatas(dtoClass).length > 0) throw unsupported('@Exclude');
  return defaultMetadataStorage.getExposedMetadatas(dtoClass).map(({ propertyName, options }) => {
    const key = propertyName as string;
    if (options?.name !== undefined || options?.toPlainOnly || options?.since !== undefined || options?.until !== undefined || options?.groups) {
      throw unsupported(`@Expose options on ${key}`);
    }
    if (defaultMetadataStorage.findTransformMetadatas(dtoClass, key, TransformationType.PLAIN_TO_CLASS).length > 0) throw unsupported(`@Transform on ${key}`);
    const type = defaultMetadataStorage.findTypeMetadata(dtoClass, key);
    if (!type) return { key };
    if (type.options?.discriminator) throw unsupported(`@Type discriminator on ${key}`);
    return { key, nested: type.typeFunction() as DtoClass };
  });
}
