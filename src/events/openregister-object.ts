import { OpenRegisterObject } from './openregister-event.js';
import { asJsonObject, copyFields, isJsonObject } from './safe-object.js';

const META_KEY = '@self';

/**
 * Reads an object in either shape OpenRegister has used:
 * - current: the user's fields at the top level, `id` (the uuid) and an `@self` metadata block;
 * - the guide's older shape: `uuid`, `register`, `schema`, the user's fields under `data`.
 * `register`/`schema` from the envelope fill in what the object leaves out.
 */
export function readObject(
  raw: unknown,
  fallback: { uuid?: string; register?: string; schema?: string } = {},
): OpenRegisterObject | undefined {
  if (!isJsonObject(raw)) return undefined;
  const self = asJsonObject(raw[META_KEY]);
  const guideData = self ? undefined : asJsonObject(raw.data);
  // `data: []` reads as PHP's empty map only when the guide shape's `uuid` stands beside it.
  const guideShape = guideData !== undefined && (isJsonObject(raw.data) || raw.uuid !== undefined);
  if (!guideShape) {
    const meta = self ? copyFields(self) : {};
    return {
      uuid: text(raw.id) ?? text(meta.id) ?? text(raw.uuid) ?? fallback.uuid ?? '',
      register: text(meta.register) ?? fallback.register,
      schema: text(meta.schema) ?? fallback.schema,
      data: copyFields(raw, [META_KEY, 'id']),
      meta,
    };
  }
  const meta = copyFields(raw, ['data', 'uuid', 'register', 'schema']);
  return {
    uuid: text(raw.uuid) ?? text(raw.id) ?? fallback.uuid ?? '',
    register: text(raw.register) ?? fallback.register,
    schema: text(raw.schema) ?? fallback.schema,
    data: copyFields(guideData ?? {}),
    meta,
  };
}

/** Ids arrive as strings or numbers depending on the sender; handlers compare strings. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // An integer id past 2^53, read exactly (see exact-json.ts): its digits.
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}
