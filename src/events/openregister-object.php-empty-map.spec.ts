import { describe, expect, it } from '@jest/globals';
import { readObject } from './openregister-object.js';

describe('readObject, guide shape whose data is a PHP empty map', () => {
  it('still reads uuid, register and schema from the guide fields', () => {
    const object = readObject({ id: 123, uuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f', register: 'my-register', schema: 'my-schema', data: [] });
    expect(object).toEqual({
      uuid: '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f',
      register: 'my-register',
      schema: 'my-schema',
      data: {},
      meta: { id: 123 },
    });
  });
});
