import fc from 'fast-check';

/**
 * fast-check arbitraries of what PHP sends, for test/support/php-json.ts to encode: PHP ints
 * (`bigint`, up to ±2^63), floats (`number`, `-0`, exponent forms), strings with what PHP escapes
 * (`/`, non-ASCII, surrogate pairs, U+2028, control characters), lists and maps (integer-like keys,
 * empty maps).
 */

/** The edges of PHP's integers and of JavaScript's exact ones. */
const EDGE_INTEGERS = [0n, -1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
const phpInt = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(...EDGE_INTEGERS));
const phpFloat = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0.1, 1.5, 1e100, 1e-7, 1e16, 1e17, -1.25e-10, 5e-324));
const SPECIAL_CHARS = ['/', '\\', '"', '\u2028', '\u2029', 'é', '\u{1F3DB}', '😀', '\n', '\u0001', '\u007f', '\u00a0', '\ufeff'];
const phpText = fc.string({ unit: fc.oneof(fc.constantFrom(...SPECIAL_CHARS), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 });
const phpKey = fc.oneof(phpText, fc.nat(10_000).map(String), fc.constantFrom('10', '9', '0', '-1', '01', '__proto__', 'constructor', '@self', ''));

/** A PHP map as a JavaScript object; maps with keys 0..n-1 in that order are lists in PHP, so left out. */
function phpMap<T>(value: fc.Arbitrary<T>): fc.Arbitrary<Record<string, T>> {
  return fc.dictionary(phpKey, value, { maxKeys: 5 }).filter((map) => !Object.keys(map).every((key, i) => key === String(i)) || Object.keys(map).length === 0);
}

/** Any value PHP's json_encode writes. */
export const phpValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    phpInt,
    phpFloat,
    phpText,
    fc.array(tie('value'), { maxLength: 4 }),
    phpMap(tie('value')),
  ),
})).value;

const SENT = '2026-03-02T09:15:27+00:00';
const CREATED = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';

/** OpenRegister's standard envelope of the creation of object `uuid` with the user's `fields`. */
export function phpEnvelope(uuid: string, fields: Record<string, unknown>): Record<string, unknown> {
  const object = { ...fields, '@self': { id: uuid, register: '5', schema: '12', version: '1.0.0', files: [] }, id: uuid };
  return {
    event: CREATED,
    webhook: { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'properties' },
    data: { objectType: 'object', action: 'create', object, objectUuid: uuid, register: '5', schema: '12', timestamp: SENT },
    timestamp: SENT,
    attempt: 1n,
  };
}

/** Either a PHP value, or a well-known constant, for a field of an envelope. */
const fieldOf = (...known: unknown[]) => fc.oneof(phpValue, fc.constantFrom(...known));
const maybe = { requiredKeys: [] as never[] };

const openRegisterData = fc.record(
  {
    objectType: fieldOf('object', 'register'),
    action: fieldOf('create', 'update'),
    object: fc.oneof(phpValue, phpMap(phpValue), fc.record({ id: fieldOf('u'), '@self': fc.oneof(phpValue, phpMap(phpValue)) }, maybe)),
    objectUuid: fieldOf('u'),
    register: fieldOf('5', 5n),
    schema: fieldOf('12'),
    timestamp: fieldOf(SENT),
  },
  maybe,
);
const standard = fc.record({ event: fieldOf(CREATED, 'x'), webhook: fieldOf({ id: 'w' }), data: fc.oneof(phpValue, openRegisterData), timestamp: fieldOf(SENT), attempt: fieldOf(1n, 2n) }, maybe);
const cloudEvent = fc.record(
  { specversion: fieldOf('1.0'), type: fieldOf(CREATED), source: fieldOf('/apps/openregister'), id: fieldOf('i'), time: fieldOf(SENT), data: fc.oneof(phpValue, openRegisterData) },
  maybe,
);
const nextcloud = fc.record(
  { event: fc.oneof(phpValue, fc.record({ class: fieldOf('OCP\\X', CREATED), newObject: phpValue, oldObject: phpValue, object: phpValue }, maybe)), user: phpValue, time: fieldOf(1772443000n) },
  maybe,
);
const documented = fc.record({ event: fieldOf(CREATED), data: fc.oneof(phpValue, fc.record({ newObject: phpValue, oldObject: phpValue, object: phpValue }, maybe)) }, maybe);
/** OpenRegister's retry: an envelope wrapped in another, its shape as random as the rest. */
const retry = fc.tuple(standard, fc.oneof(standard, cloudEvent)).map(([outer, inner]) => ({ ...outer, data: inner }));

/** Any JSON value, most of them near one of the envelopes the service knows. */
export const anyEnvelope: fc.Arbitrary<unknown> = fc.oneof(phpValue, standard, cloudEvent, nextcloud, documented, retry);

/** A deterministic reordering of keys for a seed (xorshift32 Fisher-Yates). */
export function shuffled(seed: number): (keys: string[]) => string[] {
  let x = seed | 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return (keys) => {
    const out = [...keys];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
}
