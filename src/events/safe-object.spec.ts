import { describe, expect, it } from '@jest/globals';
import { asJsonObject, copyFields, isJsonObject } from './safe-object.js';

describe('copyFields', () => {
  it('copies own fields', () => {
    expect(copyFields({ a: 1, b: { c: 2 } })).toEqual({ a: 1, b: { c: 2 } });
  });

  it('leaves out excluded keys', () => {
    expect(copyFields({ a: 1, '@self': {}, id: 'x' }, ['@self', 'id'])).toEqual({ a: 1 });
  });

  it('returns a new object', () => {
    const source = { a: 1 };
    expect(copyFields(source)).not.toBe(source);
  });

  describe('with a JSON-parsed __proto__ key', () => {
    const source = JSON.parse('{"__proto__":{"polluted":true},"title":"x"}') as Record<string, unknown>;

    it('keeps __proto__ as an own enumerable field', () => {
      const copy = copyFields(source);
      expect(Object.keys(copy)).toEqual(['__proto__', 'title']);
      expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
    });

    it('keeps the prototype of the copy Object.prototype', () => {
      expect(Object.getPrototypeOf(copyFields(source))).toBe(Object.prototype);
    });

    it('does not pollute Object.prototype', () => {
      copyFields(source);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('does not give the copy an inherited polluted field', () => {
      expect((copyFields(source) as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps __proto__ as an own field of a copy with excluded keys, on Object.prototype', () => {
      const copy = copyFields(source, ['title']);
      expect(Object.keys(copy)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect((copy as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('copies fields named like Object.prototype members as own fields', () => {
    const source = JSON.parse('{"constructor":"Brunel","toString":"x","hasOwnProperty":1,"id":"u"}') as Record<string, unknown>;
    for (const copy of [copyFields(source), copyFields(source, ['id'])]) {
      expect(Object.getOwnPropertyDescriptor(copy, 'constructor')?.value).toBe('Brunel');
      expect(Object.getOwnPropertyDescriptor(copy, 'toString')?.value).toBe('x');
      expect(Object.getOwnPropertyDescriptor(copy, 'hasOwnProperty')?.value).toBe(1);
    }
  });
});

describe('isJsonObject', () => {
  it.each([[{}, true], [[], false], [null, false], ['x', false], [1, false]])('%j → %s', (value, expected) => {
    expect(isJsonObject(value)).toBe(expected);
  });
});

describe('asJsonObject', () => {
  it('reads PHP empty map [] as {}', () => {
    expect(asJsonObject([])).toEqual({});
  });

  it('returns an object as it is', () => {
    const value = { a: 1 };
    expect(asJsonObject(value)).toBe(value);
  });

  it('refuses a non-empty array', () => {
    expect(asJsonObject([1])).toBeUndefined();
  });

  it('refuses a scalar', () => {
    expect(asJsonObject('x')).toBeUndefined();
  });
});
