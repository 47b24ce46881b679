import { describe, expect, it } from '@jest/globals';
import { objectChanges, toPointer } from './object-changes.js';

describe('objectChanges', () => {
  it('reports no change for equal data', () => {
    expect(objectChanges({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } })).toEqual([]);
  });

  it('reports a replaced top-level field with old and new value', () => {
    expect(objectChanges({ title: 'old' }, { title: 'new' })).toEqual([{ path: '/title', op: 'replace', oldValue: 'old', newValue: 'new' }]);
  });

  it('reports an added field with its new value only', () => {
    expect(objectChanges({}, { city: 'Utrecht' })).toEqual([{ path: '/city', op: 'add', newValue: 'Utrecht' }]);
  });

  it('reports a removed field with its old value only', () => {
    expect(objectChanges({ city: 'Utrecht' }, {})).toEqual([{ path: '/city', op: 'remove', oldValue: 'Utrecht' }]);
  });

  it('addresses a change inside a nested object', () => {
    const before = { address: { street: 'Korte Minrebroederstraat', number: 2 } };
    const after = { address: { street: 'Korte Minrebroederstraat', number: 3 } };
    expect(objectChanges(before, after)).toEqual([{ path: '/address/number', op: 'replace', oldValue: 2, newValue: 3 }]);
  });

  it('addresses an array element by index', () => {
    expect(objectChanges({ tags: ['monument', 'open'] }, { tags: ['monument'] })).toEqual([{ path: '/tags/1', op: 'remove', oldValue: 'open' }]);
  });

  it('reports an element added to an array', () => {
    expect(objectChanges({ tags: ['monument'] }, { tags: ['monument', 'open'] })).toEqual([{ path: '/tags/1', op: 'add', newValue: 'open' }]);
  });

  it('escapes / in a key as ~1', () => {
    expect(objectChanges({ 'a/b': 1 }, { 'a/b': 2 })).toEqual([{ path: '/a~1b', op: 'replace', oldValue: 1, newValue: 2 }]);
  });

  it('escapes ~ in a key as ~0', () => {
    expect(objectChanges({ 'a~b': 1 }, { 'a~b': 2 })).toEqual([{ path: '/a~0b', op: 'replace', oldValue: 1, newValue: 2 }]);
  });
});

describe('toPointer', () => {
  it('joins segments as an RFC 6901 pointer', () => {
    expect(toPointer(['address', 'number'])).toBe('/address/number');
  });

  it('writes numeric segments as decimal indexes', () => {
    expect(toPointer(['tags', 1])).toBe('/tags/1');
  });

  it('escapes ~ before / so ~1 in a key stays distinguishable', () => {
    expect(toPointer(['~1', '/'])).toBe('/~01/~1');
  });

  it('gives the empty pointer for the root', () => {
    expect(toPointer([])).toBe('');
  });
});
