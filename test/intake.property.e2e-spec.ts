import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { phpEnvelope, phpValue, anyEnvelope, shuffled } from './support/php-arbitraries.js';
import { phpJsonEncode, phpJsonMeaning } from './support/php-json.js';
import { signedHeaders } from './support/signed-deliveries.js';
import { useRecordingApp } from './support/recording-app.js';

// Properties of the intake over what PHP's json_encode writes (test/support/php-json.ts): one app
// per property, booted once; run counts kept modest so each property takes a few seconds.

/**
 * Node's deep strict equality: -0 is not 0, a bigint not a number, and (unlike Jest's
 * toStrictEqual, which compares `constructor` properties) a user field named `constructor` is
 * just a field.
 */
function expectSameValue(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`the handler got ${inspect(actual, { depth: null })}, the sender meant ${inspect(expected, { depth: null })}`);
}

describe('intake properties, over PHP-encoded bodies, through the booted app', () => {
  // No replay window here: random bodies carry random timestamps, and that check has its own specs.
  // Nor throttling: the refusal property sends hundreds of forged requests from one address.
  const app = useRecordingApp({ WEBHOOK_TOLERANCE_SECONDS: '0', THROTTLE_UNAUTHENTICATED_LIMIT: '1000000' });

  it("encodes as PHP 8.2's json_encode does (its output, recorded)", () => {
    const floats = [1.0, 0.1, 1e100, -0, 1e-7, 0.0001, 0.00001, 1.2345678901234568e17, 1.5e300, 1e15, 1e16, 1e17, 123456789012345.6, -1.25e-10, 5e-324, 1.7976931348623157e308];
    expect(phpJsonEncode(floats)).toBe(
      '[1,0.1,1.0e+100,-0,1.0e-7,0.0001,1.0e-5,1.2345678901234568e+17,1.5e+300,1000000000000000,10000000000000000,1.0e+17,123456789012345.6,-1.25e-10,5.0e-324,1.7976931348623157e+308]',
    );
    const values = ['a/b', '\u00e9', '\u{1F600}', '\u2028', '\u0001', '\t\n"\\', { x: 1n }, [], {}, { '3': 1n, '1': 2n }, 9223372036854775807n];
    expect(phpJsonEncode(values)).toBe('["a\\/b","\\u00e9","\\ud83d\\ude00","\\u2028","\\u0001","\\t\\n\\"\\\\",{"x":1},[],[],{"1":2,"3":1},9223372036854775807]');
  });

  const received = (uuid: string) => app.handled.received.filter(({ event }) => event.object?.uuid === uuid);

  it('accepts any object PHP encodes and signs, and hands the handler what the sender meant, big integers exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), phpValue, { maxKeys: 6 }), async (fields) => {
        const uuid = randomUUID();
        const { '@self': _self, id: _id, ...userFields } = fields;
        const body = phpJsonEncode(phpEnvelope(uuid, userFields));

        const response = await app.t.post(body, signedHeaders(body));

        expect(response.status).toBe(200);
        expect(response.body.status).toBe('processed');
        const [{ event }] = received(uuid);
        // The object's own fields are a map even when PHP writes a nested empty map as [].
        expectSameValue(event.object?.data, Object.fromEntries(Object.entries(userFields).map(([key, value]) => [key, phpJsonMeaning(value)])));
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a body with any single byte changed, or a signature with one hex digit changed, with 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), phpValue, { maxKeys: 3 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.nat(63),
        async (fields, at, delta, digit) => {
          const body = Buffer.from(phpJsonEncode(phpEnvelope(randomUUID(), fields)));
          const headers = signedHeaders(body);
          const changed = Buffer.from(body);
          changed[at % body.length] = (changed[at % body.length] + delta) % 256;
          const signature = headers['X-Webhook-Signature'];
          const otherDigit = ((parseInt(signature[digit], 16) + 1 + (delta % 15)) % 16).toString(16);
          const forged = signature.slice(0, digit) + otherDigit + signature.slice(digit + 1);

          expect((await app.t.post(changed, headers)).status).toBe(401);
          expect((await app.t.post(body, { ...headers, 'X-Webhook-Signature': forged })).status).toBe(401);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('recognises the same content written with another key order or other escapes as a duplicate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), phpValue, { maxKeys: 6 }), fc.integer(), async (fields, seed) => {
        const uuid = randomUUID();
        const envelope = phpEnvelope(uuid, fields);
        const php = phpJsonEncode(envelope);
        // JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE, every object's keys in another order.
        const other = phpJsonEncode(envelope, { unescaped: true, shuffle: shuffled(seed) });

        expect((await app.t.post(php, signedHeaders(php))).body.status).toBe('processed');
        expect((await app.t.post(other, signedHeaders(other))).body.status).toBe('duplicate');
        expect(received(uuid)).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });

  it('answers any signed JSON value 400 or 2xx: no value makes validation or normalisation throw', async () => {
    await fc.assert(
      fc.asyncProperty(anyEnvelope, async (value) => {
        const body = phpJsonEncode(value);

        const response = await app.t.post(body, signedHeaders(body));

        expect([200, 400]).toContain(response.status);
        if (response.status === 400) expect(['malformed', 'invalid']).toContain(response.body.error);
      }),
      { numRuns: 300 },
    );
  });
});
