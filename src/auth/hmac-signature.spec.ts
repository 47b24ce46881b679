import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { signHmac, verifyHmac } from './hmac-signature.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const body = readFileSync(new URL('openregister-object-created.json', FIXTURES));
const headers = JSON.parse(readFileSync(new URL('openregister-object-created.headers.json', FIXTURES), 'utf8')) as Record<string, string>;
const expected = headers['X-Webhook-Signature'];
const SECRET = 'fixture-secret';

describe('signHmac', () => {
  it('gives the exact signature OpenRegister sent for the fixture bytes (known answer)', () => {
    expect(expected).toBe('f7ad63669abc00c9f7a4f01f14693a5ac6cc8c12d72bb38d6a07480fe1520391');
    expect(signHmac(SECRET, body)).toBe(expected);
  });

  it('signs a string the same as its UTF-8 bytes', () => {
    expect(signHmac(SECRET, body.toString('utf8'))).toBe(expected);
  });
});

describe('verifyHmac', () => {
  it('accepts the fixture signature with index 0', () => {
    expect(verifyHmac([SECRET], body, expected)).toBe(0);
  });

  it('accepts a sha256= prefix', () => {
    expect(verifyHmac([SECRET], body, `sha256=${expected}`)).toBe(0);
  });

  it('accepts uppercase hex', () => {
    expect(verifyHmac([SECRET], body, expected.toUpperCase())).toBe(0);
  });

  it('refuses the body with one byte changed', () => {
    const tampered = Buffer.from(body);
    tampered[tampered.length - 2] ^= 0x01;
    expect(verifyHmac([SECRET], tampered, expected)).toBe(-1);
  });

  it('refuses the same JSON re-serialised (the PHP escapes are part of the signed bytes)', () => {
    const reserialised = JSON.stringify(JSON.parse(body.toString('utf8')));
    expect(reserialised).not.toBe(body.toString('utf8'));
    expect(verifyHmac([SECRET], reserialised, expected)).toBe(-1);
  });

  it('refuses a signature made with another secret', () => {
    expect(verifyHmac(['other-secret'], body, expected)).toBe(-1);
  });

  it('returns the index of the matching secret while secrets rotate', () => {
    expect(verifyHmac(['old', SECRET], body, expected)).toBe(1);
  });

  it('returns the first matching index when a secret is listed twice', () => {
    expect(verifyHmac(['old', SECRET, SECRET], body, expected)).toBe(1);
  });

  it('refuses when no secret is configured', () => {
    expect(verifyHmac([], body, expected)).toBe(-1);
  });

  it.each([
    ['garbage', 'not-a-signature'],
    ['empty', ''],
    ['undefined', undefined],
    ['truncated hex', expected.slice(0, 63)],
    ['hex with a trailing extra digit', `${expected}0`],
    ['another prefix', `sha1=${expected}`],
  ])('returns -1 for a %s signature', (_label, signature) => {
    expect(verifyHmac([SECRET], body, signature)).toBe(-1);
  });
});
