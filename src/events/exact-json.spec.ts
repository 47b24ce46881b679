import { describe, expect, it } from '@jest/globals';
import { JsonDepthError, parseExactJson, stringifyExactJson } from './exact-json.js';

const nested = (levels: number, inner = '1') => '['.repeat(levels) + inner + ']'.repeat(levels);

describe('parseExactJson', () => {
  it('reads integers past 2^53 as bigint with their exact digits', () => {
    const value = parseExactJson('{"max":9223372036854775807,"min":-9223372036854775808,"next":9007199254740993}');
    expect(value).toStrictEqual({ max: 9223372036854775807n, min: -9223372036854775808n, next: 9007199254740993n });
  });

  it('reads the first unsafe integer, 2^53, as bigint too, and the last safe one as number', () => {
    expect(parseExactJson('[9007199254740992,9007199254740991,-9007199254740991,-9007199254740992]')).toStrictEqual([
      9007199254740992n,
      9007199254740991,
      -9007199254740991,
      -9007199254740992n,
    ]);
  });

  it('keeps every other number exactly as JSON.parse reads it, in the same text as a bigint', () => {
    const text = '{"big":12345678901234567890,"a":[1.5,-0,1.0e+100,1e400,0.1,-12,123456789012345678.5],"b":{"c":1e3}}';
    const value = parseExactJson(text) as { a: unknown[]; b: unknown };
    const plain = JSON.parse(text) as { a: unknown[]; b: unknown };
    expect(value.a).toStrictEqual(plain.a);
    expect(Object.is(value.a[1], -0)).toBe(true);
    expect(value.b).toStrictEqual(plain.b);
  });

  it('gives what JSON.parse gives when no integer is unsafe, the very same way', () => {
    const text = '{"__proto__":{"x":1},"10":"ten","9":"nine","s":"caf\\u00e9 \\/ \\ud83d\\ude00","n":[]}';
    const value = parseExactJson(text) as Record<string, unknown>;
    expect(value).toStrictEqual(JSON.parse(text));
    expect(Object.keys(value)).toEqual(['9', '10', '__proto__', 's', 'n']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('reads objects on the exact path as JSON.parse does: key order, __proto__ as a field, the last duplicate wins', () => {
    const text = '{"b":1,"__proto__":{"polluted":1},"10":2,"9":3,"b":4,"big":9007199254740993,"s":"\\u2028\\ud800"}';
    const value = parseExactJson(text) as Record<string, unknown>;
    const plain = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(Object.keys(plain));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.__proto__).toStrictEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(value.b).toBe(4);
    expect(value.s).toBe(plain.s);
    expect(value.big).toBe(9007199254740993n);
  });

  it('finds the integers in any place: after escaped quotes, beside keys and strings made of digits, in exponents', () => {
    const text = '{"a\\"":"\\"12345678901234567890","12345678901234567890":[12345678901234567890,-1.2345678901234567e+30,1E-400],"n":-12345678901234567890}';
    expect(parseExactJson(text)).toStrictEqual({
      'a"': '"12345678901234567890',
      '12345678901234567890': [12345678901234567890n, -1.2345678901234567e30, 0],
      n: -12345678901234567890n,
    });
  });

  it('turns only its own markers into bigints, not a string that looks like one', () => {
    const text = '{"s":"\\u0000bigint:00000000000000000000000000000000:5","big":9007199254740993}';
    expect(parseExactJson(text)).toStrictEqual({ s: '\u0000bigint:00000000000000000000000000000000:5', big: 9007199254740993n });
  });

  it('reads a scalar text', () => {
    expect(parseExactJson('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseExactJson('"x"')).toBe('x');
    expect(parseExactJson('null')).toBeNull();
  });

  it('refuses what JSON.parse refuses, with its message', () => {
    expect(() => parseExactJson('{"a":')).toThrow(SyntaxError);
    expect(() => parseExactJson('[12345678901234567890,]')).toThrow(SyntaxError);
  });

  describe('with maxDepth', () => {
    it('takes a value exactly as deep as the limit', () => {
      expect(parseExactJson(nested(512), { maxDepth: 512 })).toHaveLength(1);
      expect(parseExactJson('{"a":{"b":[]}}', { maxDepth: 3 })).toStrictEqual({ a: { b: [] } });
    });

    it('refuses one level more, naming the limit', () => {
      expect(() => parseExactJson(nested(513), { maxDepth: 512 })).toThrow(new JsonDepthError(512));
      expect(() => parseExactJson('{"a":{"b":[]}}', { maxDepth: 2 })).toThrow('JSON is nested deeper than 2 levels');
    });

    it('counts scalars as no level', () => {
      expect(parseExactJson('1', { maxDepth: 0 })).toBe(1);
      expect(() => parseExactJson('[]', { maxDepth: 0 })).toThrow(JsonDepthError);
    });

    it('refuses 100,000 levels without overflowing the stack', () => {
      expect(() => parseExactJson(nested(100_000, '9223372036854775807'), { maxDepth: 512 })).toThrow(JsonDepthError);
      expect(() => parseExactJson('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), { maxDepth: 512 })).toThrow(JsonDepthError);
    });

    it('has no limit by default, on the exact path too (nothing recurses)', () => {
      expect(() => parseExactJson(nested(5_000))).not.toThrow();
      let value = parseExactJson(nested(100_000, '9007199254740993'));
      for (let i = 0; i < 100_000; i++) value = (value as unknown[])[0];
      expect(value).toBe(9007199254740993n);
    });
  });
});

describe('stringifyExactJson', () => {
  it('writes a bigint as its digits', () => {
    expect(stringifyExactJson({ a: 9223372036854775807n, b: [-9223372036854775808n, 1], c: 'x' })).toBe('{"a":9223372036854775807,"b":[-9223372036854775808,1],"c":"x"}');
    expect(stringifyExactJson(12345678901234567890n)).toBe('12345678901234567890');
  });

  it('writes everything else as JSON.stringify does', () => {
    const value = { s: 'caf\u00e9 \u2028 \ud800', d: new Date(0), u: undefined, f: () => 1, n: [undefined, NaN, -0], big: 1n };
    const { big: _big, ...rest } = value;
    const text = stringifyExactJson(value);
    expect(text).toBe(JSON.stringify(rest).slice(0, -1) + ',"big":1}');
    expect(stringifyExactJson(undefined)).toBeUndefined();
  });

  it('does not take a string that looks like a marker for a bigint', () => {
    const value = { s: '\u0000bigint:00000000000000000000000000000000:1', big: 2n };
    expect(JSON.parse(stringifyExactJson(value))).toStrictEqual({ s: value.s, big: 2 });
  });

  it('round-trips with parseExactJson', () => {
    const text = '{"id":9223372036854775807,"n":[1,-0.5,18446744073709551616],"s":"\\u00e9"}';
    expect(stringifyExactJson(parseExactJson(text))).toBe('{"id":9223372036854775807,"n":[1,-0.5,18446744073709551616],"s":"é"}');
  });

  it('still throws on a circular value', () => {
    const circular: Record<string, unknown> = { big: 1n };
    circular.self = circular;
    expect(() => stringifyExactJson(circular)).toThrow(/circular/i);
  });
});
