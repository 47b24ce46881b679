import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { WebhookError } from '../common/webhook-error.js';
import { MAX_BODY_DEPTH, parseDelivery } from './parse-delivery.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}.json`, import.meta.url));

async function refusal(body: string): Promise<WebhookError> {
  const error = await parseDelivery(Buffer.from(body)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

describe('parseDelivery, accepted envelopes', () => {
  it.each([
    ['openregister-object-created', 'openregister'],
    ['openregister-object-updated', 'openregister'],
    ['openregister-test', 'openregister'],
    ['openregister-cloudevent-created', 'cloudevents'],
    ['nextcloud-node-created', 'nextcloud'],
    ['nextcloud-openregister-object-updated', 'nextcloud'],
    ['documented-object-updated', 'documented'],
    ['openregister-schema-notification', 'notification'],
    ['openregister-schema-notification-as-sent', 'notification'],
  ])('reads %s as %s', async (name, format) => {
    expect((await parseDelivery(fixture(name))).format).toBe(format);
  });

  it('returns the parsed body itself, user fields untouched', async () => {
    const bytes = fixture('openregister-object-created');
    const { body } = await parseDelivery(bytes);
    expect(body).toEqual(JSON.parse(bytes.toString('utf8')));
  });
});

describe('parseDelivery, refusals', () => {
  it('refuses bytes that are not JSON as malformed', async () => {
    const error = await refusal('{"event":');
    expect(error.reason).toBe('malformed');
    expect(error.status).toBe(400);
  });

  it('refuses an empty body as malformed', async () => {
    expect((await refusal('')).reason).toBe('malformed');
  });

  it('refuses a JSON array as malformed', async () => {
    expect((await refusal('[{"event":"x"}]')).reason).toBe('malformed');
  });

  it('refuses a JSON scalar as malformed', async () => {
    expect((await refusal('"ObjectCreatedEvent"')).reason).toBe('malformed');
  });

  it('refuses an OpenRegister envelope whose data is not an object as invalid, naming data', async () => {
    const error = await refusal('{"event":"x","webhook":{},"data":"nope","attempt":1}');
    expect(error.reason).toBe('invalid');
    expect(error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^data.*object/)]));
  });

  it('refuses an attempt that is not a positive whole number, naming attempt', async () => {
    const error = await refusal('{"event":"x","webhook":{},"data":{},"attempt":0}');
    expect(error.reason).toBe('invalid');
    expect(error.details).toEqual([expect.stringContaining('attempt')]);
  });

  it('refuses an object delivery without its object, naming data.object', async () => {
    const error = await refusal('{"event":"x","webhook":{},"data":{"objectType":"object"},"attempt":1}');
    expect(error.reason).toBe('invalid');
    expect(error.details).toEqual([expect.stringMatching(/^data\.object/)]);
  });

  it('refuses a CloudEvent of another spec version, naming specversion', async () => {
    const error = await refusal('{"specversion":"0.3","type":"t","source":"s","id":"i","data":{}}');
    expect(error.reason).toBe('invalid');
    expect(error.details).toEqual([expect.stringContaining('specversion')]);
  });

  it('refuses a Nextcloud envelope whose event has no class, naming event.class', async () => {
    const error = await refusal('{"event":{"node":{}},"time":1}');
    expect(error.reason).toBe('invalid');
    expect(error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^event\.class/)]));
  });

  it('refuses a guide-shaped envelope without any object', async () => {
    const error = await refusal('{"event":"x","data":{"something":1}}');
    expect(error.reason).toBe('invalid');
    expect(error.details).toEqual([expect.stringContaining('object, newObject or oldObject')]);
  });

  it('refuses an unknown shape as invalid with a readable reason', async () => {
    const error = await refusal('{"hello":"world"}');
    expect(error.reason).toBe('invalid');
    expect(error.details?.length).toBeGreaterThan(0);
    expect(error.details?.[0]).toMatch(/event/);
  });
});

describe('parseDelivery, text encoding', () => {
  it('reads raw UTF-8 characters, not only the \\u escapes PHP writes', async () => {
    const bytes = Buffer.from('{"event":{"class":"c","object":{"id":"u","naam":"café Zoë – één"}},"time":1}', 'utf8');
    const { body } = await parseDelivery(bytes);
    expect(((body.event as any).object as any).naam).toBe('café Zoë – één');
  });

  it('reads escaped and raw characters alike', async () => {
    const escaped = await parseDelivery(Buffer.from('{"event":{"class":"c","naam":"caf\\u00e9"},"time":1}'));
    const raw = await parseDelivery(Buffer.from('{"event":{"class":"c","naam":"café"},"time":1}', 'utf8'));
    expect(escaped.body).toEqual(raw.body);
  });

  it('reads invalid UTF-8 bytes as replacement characters, as before', async () => {
    const bytes = Buffer.concat([Buffer.from('{"event":{"class":"c","naam":"'), Buffer.from([0xff]), Buffer.from('"},"time":1}')]);
    const { body } = await parseDelivery(bytes);
    expect((body.event as any).naam).toBe('\ufffd');
  });
});

describe('parseDelivery, depth and exact values', () => {
  const nestedIn = (levels: number) => `{"event":"x","webhook":{},"data":{"objectType":"object","object":{"id":"u","deep":${'['.repeat(levels)}${']'.repeat(levels)}}},"attempt":1}`;

  it(`takes a body nested ${MAX_BODY_DEPTH} levels deep and refuses one level more as malformed, naming the limit`, async () => {
    expect(MAX_BODY_DEPTH).toBeGreaterThanOrEqual(512);
    await expect(parseDelivery(Buffer.from(nestedIn(MAX_BODY_DEPTH - 3)))).resolves.toMatchObject({ format: 'openregister' });
    const error = await refusal(nestedIn(MAX_BODY_DEPTH - 2));
    expect(error.reason).toBe('malformed');
    expect(error.message).toBe(`Body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  });

  it('reads integers past 2^53 as bigint and takes one as a register id', async () => {
    const { body } = await parseDelivery(Buffer.from('{"event":"x","webhook":{"id":18446744073709551615},"data":{"objectType":"object","register":9223372036854775807,"object":{"id":"u","n":9007199254740993}},"attempt":1}'));
    expect(body).toMatchObject({ webhook: { id: 18446744073709551615n }, data: { register: 9223372036854775807n, object: { n: 9007199254740993n } } });
  });

  it('reads a retry from its innermost envelope and keeps the outermost as sent', async () => {
    const inner = '{"event":"x","webhook":{},"data":{"objectType":"object","object":{"id":"u"}},"timestamp":"2026-01-01T00:00:00+00:00","attempt":1}';
    const parsed = await parseDelivery(Buffer.from(`{"event":"x","webhook":{},"data":${inner},"timestamp":"2026-01-01T00:05:00+00:00","attempt":2}`));
    expect(parsed.body).toEqual(JSON.parse(inner));
    expect(parsed.sentAs?.body.attempt).toBe(2);
  });
});
