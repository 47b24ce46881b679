/** A JSON object as parsed: plain, with arbitrary user keys. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Copies own fields except the excluded ones, so that a user field called `__proto__` stays a plain
 * field and can never reach an object prototype. Object spread defines fields (never assigns them)
 * and is V8's fastest copy; with exclusions, fields are assigned, which is safe for every key but
 * `__proto__` (the one setter on Object.prototype), so that one alone is defined.
 */
export function copyFields(source: JsonObject, exclude: readonly string[] = []): JsonObject {
  if (exclude.length === 0) return { ...source };
  const target: JsonObject = {};
  for (const key of Object.keys(source)) {
    if (exclude.includes(key)) continue;
    if (key === '__proto__') Object.defineProperty(target, key, { value: source[key], enumerable: true, writable: true, configurable: true });
    else target[key] = source[key];
  }
  return target;
}

/** PHP's json_encode turns an empty associative array into `[]`; read it back as an empty map. */
export function asJsonObject(value: unknown): JsonObject | undefined {
  if (isJsonObject(value)) return value;
  if (Array.isArray(value) && value.length === 0) return {};
  return undefined;
}
