import { describe, expect, it } from '@jest/globals';
import { REDACTED, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('redacts an Authorization header value', () => {
    expect(redactSecrets({ authorization: 'Bearer fixture-token' })).toEqual({ authorization: REDACTED });
  });

  it('redacts at any depth', () => {
    expect(redactSecrets({ a: { b: { c: { Authorization: 'Bearer fixture-token' } } } })).toEqual({ a: { b: { c: { Authorization: REDACTED } } } });
  });

  it.each(['AUTHORIZATION', 'Authorization', 'X-Api-Key', 'X-WEBHOOK-SIGNATURE', 'Cookie', 'Password', 'Token', 'apiKey', 'api_key', 'access_token'])(
    'matches the key %s case-insensitively',
    (key) => {
      expect(redactSecrets({ [key]: 'value' })).toEqual({ [key]: REDACTED });
    },
  );

  it('redacts a non-empty OpenRegister @self.authorization block', () => {
    expect(redactSecrets({ '@self': { authorization: { read: ['public'] }, owner: 'admin' } })).toEqual({ '@self': { authorization: REDACTED, owner: 'admin' } });
  });

  it.each([[''], [null], [[]]])('keeps an empty value %j as it is', (empty) => {
    expect(redactSecrets({ authorization: empty })).toEqual({ authorization: empty });
  });

  it('traverses arrays', () => {
    expect(redactSecrets([{ token: 'x' }, [{ password: 'y' }], 'plain'])).toEqual([{ token: REDACTED }, [{ password: REDACTED }], 'plain']);
  });

  it('keeps other fields and scalars as they are', () => {
    expect(redactSecrets({ title: 'Stadhuis', n: 2, ok: true, none: null })).toEqual({ title: 'Stadhuis', n: 2, ok: true, none: null });
    expect(redactSecrets('Bearer x')).toBe('Bearer x');
  });

  it('does not change the original', () => {
    const original = { headers: { authorization: 'Bearer fixture-token' } };
    redactSecrets(original);
    expect(original.headers.authorization).toBe('Bearer fixture-token');
  });

  describe('with a JSON-parsed __proto__ key', () => {
    const input = JSON.parse('{"__proto__":{"token":"x","polluted":true}}') as unknown;

    it('keeps __proto__ as an own field and redacts inside it', () => {
      const copy = redactSecrets(input) as Record<string, unknown>;
      expect(Object.keys(copy)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ token: REDACTED, polluted: true });
    });

    it('keeps the copy a plain object and pollutes nothing', () => {
      const copy = redactSecrets(input) as Record<string, unknown>;
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(copy.polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
