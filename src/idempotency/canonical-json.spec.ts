import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('sorts keys at every depth', () => {
    expect(canonicalJson({ z: { y: 1, x: [{ d: 1, c: 2 }] }, a: null })).toBe('{"a":null,"z":{"x":[{"c":2,"d":1}],"y":1}}');
  });

  it('gives the same text for the same content in another key order', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('keeps array order', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('gives the same text whatever escapes the sender used', () => {
    expect(canonicalJson(JSON.parse('{"url":"https:\\/\\/x","caf\\u00e9":1}'))).toBe(canonicalJson(JSON.parse('{"café":1,"url":"https://x"}')));
  });

  it('leaves out undefined fields', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('writes undefined in an array, and undefined itself, as null', () => {
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes scalars as JSON', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(null)).toBe('null');
  });

  it('keeps a JSON-parsed __proto__ key as an ordinary field', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}'))).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('tells apart strings from numbers', () => {
    expect(canonicalJson({ id: '5' })).not.toBe(canonicalJson({ id: 5 }));
  });

  it('writes a bigint as its digits, at any place', () => {
    expect(canonicalJson({ b: [9223372036854775807n], a: -9007199254740993n })).toBe('{"a":-9007199254740993,"b":[9223372036854775807]}');
    expect(canonicalJson(18446744073709551615n)).toBe('18446744073709551615');
    expect(canonicalJson(JSON.parse('{"10":1,"9":2}') as object)).toBe('{"10":1,"9":2}');
  });

  it('tells apart big integers that round to the same double', () => {
    expect(canonicalJson({ id: 9007199254740993n })).not.toBe(canonicalJson({ id: 9007199254740992n }));
  });
});

/** The recursive definition the stored idempotency keys were made with; canonicalJson must match it. */
function canonicalJsonReference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJsonReference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJsonReference(record[key])}`);
    return `{${fields.join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? 'null';
}

/** xorshift32, so a failing tree can be found again from its seed. */
function randomOf(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

// Keys that sort differently from how objects enumerate them, or that objects treat specially.
const KEYS = ['a', 'b', 'B', 'z', '_', '__proto__', 'constructor', 'toString', '10', '9', '0', '01', '-1', '$ref', '@self', 'id', 'café', 'é', '', ' ', '4294967295'];
const LEAVES = [null, true, false, 0, -0, 1.5, 1e21, -7, 9223372036854775807n, -9007199254740993n, '', 'x', 'caf\u00e9', 'a"b\\c', '\n\u2028', '\ud800', 'https://x/y', undefined];

function randomJson(random: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const roll = random();
  if (depth === 0 || roll < 0.35) return pick(LEAVES);
  const size = Math.floor(random() * 6);
  if (roll < 0.6) return Array.from({ length: size }, () => randomJson(random, depth - 1));
  // Built the way JSON.parse builds objects: every key an own data field, __proto__ included.
  const object: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) Object.defineProperty(object, pick(KEYS), { value: randomJson(random, depth - 1), enumerable: true, writable: true, configurable: true });
  return object;
}

describe('canonicalJson, against the recursive definition', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('gives the same text for random tree %i', (seed) => {
    const random = randomOf(seed * 2654435761);
    for (let i = 0; i < 50; i++) {
      const value = randomJson(random, 5);
      expect(canonicalJson(value)).toBe(canonicalJsonReference(value));
    }
  });

  it('gives the same text for integer-like keys that sort otherwise than objects enumerate them', () => {
    const value = JSON.parse('{"9":1,"10":{"b":1,"a":[{"2":0,"10":0}]},"-1":2,"$ref":3,"a":4}');
    expect(canonicalJson(value)).toBe('{"$ref":3,"-1":2,"10":{"a":[{"10":0,"2":0}],"b":1},"9":1,"a":4}');
    expect(canonicalJson(value)).toBe(canonicalJsonReference(value));
  });

  it('gives the same text for fields JSON.stringify would treat otherwise (functions, dates)', () => {
    const value = { f: () => 1, d: new Date(0), nested: [{ s: Symbol('s'), k: 1 }] };
    expect(canonicalJson(value)).toBe(canonicalJsonReference(value));
  });

  it('does not change the value it is given', () => {
    const text = '{"b":{"d":[{"f":1,"e":2}],"c":3},"a":{"10":1,"9":2},"__proto__":{"y":1,"x":2}}';
    const value = JSON.parse(text);
    canonicalJson(value);
    expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.keys(value)).toEqual(['b', 'a', '__proto__']);
  });

  it('gives the same text for an OpenRegister object of a thousand records', () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ datum: `2020-01-${i}`, meetpunt: `MP-${i}`, waarde: i / 7, tags: ['b', 'a'] }));
    const value = ['OCA\\OpenRegister\\Event\\ObjectCreatedEvent', 'u', { uuid: 'u', data: { title: 't', metingen: records }, meta: { id: 'u', register: '5' } }, null];
    expect(canonicalJson(value)).toBe(canonicalJsonReference(value));
  });
});
