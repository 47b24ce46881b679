import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Expose, plainToInstance, Transform, Type } from 'class-transformer';
import { ENVELOPE_DTOS } from './envelope-format.js';
import { DtoClass, toDtoInstance } from './dto-instance.js';
import { OpenRegisterDataDto } from './openregister-data.dto.js';
import { NextcloudEventDto } from './nextcloud-envelope.dto.js';

/** Bodies whose values class-transformer copies without tripping (no user field called constructor). */
const BODIES: [keyof typeof ENVELOPE_DTOS, unknown][] = [
  ['openregister', { event: 'e', webhook: { id: 5, name: 'n', extra: 1 }, data: { objectType: 'object', object: { id: 'u', a: [1, { b: 2 }] }, register: '5' }, timestamp: 't', attempt: 1, extra: true }],
  ['openregister', { event: 'e', webhook: 'w', data: 'nope' }],
  ['openregister', { event: 'e', webhook: null, data: [{ objectType: 1 }, 'x', [{ action: 'a' }], null] }],
  ['openregister', {}],
  ['cloudevents', { specversion: '1.0', type: 't', source: 's', id: 'i', time: 't', data: { object: { id: 'u' } } }],
  ['nextcloud', { event: { class: 'c', newObject: { id: 'u' }, node: { id: 1 } }, user: { uid: 'u', displayName: 'd' }, time: 1 }],
  ['nextcloud', { event: [{ class: 'c' }], user: 5 }],
  ['documented', { event: 'e', data: { newObject: { uuid: 'u', data: {} }, oldObject: null, object: [] }, timestamp: 't' }],
  ['notification', { notification: 'n', subject: 's', object: { uuid: 'u', register: 5, schema: '12', data: { id: 'u', a: [1] }, extra: 1 }, recipients: ['r'], context: [], timestamp: 't' }],
  ['notification', { notification: 'n', object: [{ uuid: 'u' }, 'x'], context: { action: 'a' } }],
];

describe('toDtoInstance', () => {
  it.each(BODIES)('builds for %s %j what plainToInstance builds', (format, body) => {
    const dtoClass: DtoClass = ENVELOPE_DTOS[format];
    const expected = plainToInstance(dtoClass, body, { excludeExtraneousValues: true });
    expect(toDtoInstance(dtoClass, body as Record<string, unknown>)).toStrictEqual(expected);
  });

  it('shares user objects with the body instead of copying them', () => {
    const object = JSON.parse('{"id":"u","constructor":"Brunel","nested":{"__proto__":{"x":1}}}') as Record<string, unknown>;
    const dto = toDtoInstance(ENVELOPE_DTOS.openregister, { event: 'e', data: { object } });
    expect(dto.data).toBeInstanceOf(OpenRegisterDataDto);
    expect(dto.data.object).toBe(object);
  });

  it('leaves out fields the DTO does not expose', () => {
    const dto = toDtoInstance(NextcloudEventDto, { class: 'c', node: { id: 1 } });
    expect(Object.keys(dto).sort()).toEqual(['class', 'newObject', 'object', 'oldObject']);
    expect(dto).not.toHaveProperty('node');
  });

  it('refuses a DTO with a decorator it does not reproduce', () => {
    class WithTransform {
      @Expose() @Transform(({ value }) => String(value)) id?: string;
    }
    expect(() => toDtoInstance(WithTransform, { id: 1 })).toThrow(/@Transform on id/);
  });

  it('instantiates a nested DTO declared with @Type', () => {
    class Inner {
      @Expose() name?: string;
    }
    class Outer {
      @Expose() @Type(() => Inner) inner?: Inner;
    }
    const dto = toDtoInstance(Outer, { inner: { name: 'n', other: 1 } });
    expect(dto.inner).toBeInstanceOf(Inner);
    expect(dto.inner).toStrictEqual(Object.assign(new Inner(), { name: 'n' }));
  });
});
