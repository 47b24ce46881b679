import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { readObject, text } from './openregister-object.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, any>;

const UUID = '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f';

describe('readObject, current shape (fields at the top level, id and @self)', () => {
  const raw = fixture('openregister-object-created').data.object;
  const object = readObject(raw)!;

  it('takes the uuid from id', () => {
    expect(object.uuid).toBe(UUID);
  });

  it('takes register and schema from @self', () => {
    expect(object.register).toBe('5');
    expect(object.schema).toBe('12');
  });

  it('keeps the user fields as data, without @self and id', () => {
    expect(object.data).toEqual({
      title: 'Stadhuis Utrecht',
      city: 'Utrecht',
      'café': 'Café de Zaak',
      tags: ['monument', 'open'],
      address: { street: 'Korte Minrebroederstraat', number: 2 },
    });
  });

  it('keeps @self as meta', () => {
    expect(object.meta).toEqual(raw['@self']);
  });

  it('takes register and schema from @self over the fallback', () => {
    expect(readObject(raw, { register: 'other', schema: 'other' })).toMatchObject({ register: '5', schema: '12' });
  });
});

describe('readObject, the guide shape (uuid and data)', () => {
  const raw = fixture('documented-object-updated').data.newObject;
  const object = readObject(raw)!;

  it('takes the uuid from uuid, not the numeric id', () => {
    expect(object.uuid).toBe(UUID);
  });

  it('takes register and schema from the object', () => {
    expect(object.register).toBe('my-register');
    expect(object.schema).toBe('my-schema');
  });

  it('reads the user fields from data', () => {
    expect(object.data).toEqual({ title: 'Example Object', description: 'new', custom_field: 'value' });
  });

  it('keeps the other fields as meta', () => {
    expect(object.meta).toEqual({
      id: 123,
      organisation: 'org-uuid',
      created: '2024-01-15T10:30:00+00:00',
      updated: '2024-01-16T08:00:00+00:00',
    });
  });
});

describe('readObject, edge cases', () => {
  it('reads a PHP empty map [] as an empty @self', () => {
    const object = readObject({ id: UUID, title: 'x', '@self': [] })!;
    expect(object).toEqual({ uuid: UUID, data: { title: 'x' }, meta: {} });
  });

  it('fills register, schema and uuid from the fallback when the object leaves them out', () => {
    const object = readObject({ title: 'x', '@self': [] }, { uuid: UUID, register: '5', schema: '12' })!;
    expect(object).toMatchObject({ uuid: UUID, register: '5', schema: '12' });
  });

  it('turns numeric register and schema ids into strings', () => {
    const object = readObject({ id: UUID, '@self': { register: 5, schema: 12 } })!;
    expect(object.register).toBe('5');
    expect(object.schema).toBe('12');
  });

  it('turns a numeric id into a string uuid', () => {
    expect(readObject({ id: 42, '@self': {} })!.uuid).toBe('42');
  });

  it('turns numeric ids of the guide shape into strings', () => {
    const object = readObject({ id: 7, register: 5, schema: 12, data: {} })!;
    expect(object).toMatchObject({ uuid: '7', register: '5', schema: '12' });
  });

  it('gives an empty uuid when none is known', () => {
    expect(readObject({ title: 'x' })!.uuid).toBe('');
  });

  it.each([null, 'x', 1, [], [1]])('returns undefined for %j', (raw) => {
    expect(readObject(raw)).toBeUndefined();
  });

  it('keeps a user field called data when @self says it is the current shape', () => {
    const object = readObject({ id: UUID, data: { nested: true }, '@self': {} })!;
    expect(object.data).toEqual({ data: { nested: true } });
  });
});

describe('text', () => {
  it.each([
    ['a', 'a'],
    [5, '5'],
    [0, '0'],
    ['', undefined],
    [Number.NaN, undefined],
    [Infinity, undefined],
    [null, undefined],
    [{}, undefined],
  ])('%j → %j', (value, expected) => {
    expect(text(value)).toBe(expected);
  });
});
