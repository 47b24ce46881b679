import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { WebhookError } from '../../common/webhook-error.js';
import { parseDelivery } from '../parse-delivery.js';
import { detectFormat } from './envelope-format.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}.json`, import.meta.url));

/** What emitWebhook() writes, with `change` applied to a fresh copy. */
function body(change: (body: Record<string, any>) => void = () => {}): Buffer {
  const sent: Record<string, any> = JSON.parse(fixture('openregister-schema-notification-as-sent').toString('utf8'));
  change(sent);
  return Buffer.from(JSON.stringify(sent));
}

async function refusal(bytes: Buffer): Promise<WebhookError> {
  const error = await parseDelivery(bytes).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

describe('detectFormat, schema notifications', () => {
  it('reads a body with notification and object and no event as a notification', () => {
    expect(detectFormat({ notification: 'n', object: {} })).toBe('notification');
  });

  it.each([
    ['no object', { notification: 'n' }],
    ['no notification', { object: {} }],
    ['an event beside them that is no string', { notification: 'n', object: {}, event: 5 }],
  ])('reads none with %s', (_case, shape) => {
    expect(detectFormat(shape)).toBeUndefined();
  });

  it('leaves an OpenRegister envelope with a notification field an OpenRegister envelope', () => {
    expect(detectFormat({ event: 'E', webhook: {}, data: {}, notification: 'n', object: {} })).toBe('openregister');
  });
});

describe('parseDelivery of a schema notification', () => {
  it.each(['openregister-schema-notification', 'openregister-schema-notification-as-sent'])('reads %s as notification', async (name) => {
    expect((await parseDelivery(fixture(name))).format).toBe('notification');
  });

  it('takes register and schema as ints or strings, and context as [] or a map', async () => {
    await expect(parseDelivery(body((b) => Object.assign(b.object, { register: 5, schema: 12 })))).resolves.toMatchObject({ format: 'notification' });
    await expect(parseDelivery(body((b) => (b.context = { action: 'behandel', from: 'nieuw', to: 'in behandeling' })))).resolves.toMatchObject({ format: 'notification' });
  });

  it('refuses one without object.uuid as invalid, naming object.uuid', async () => {
    const error = await refusal(body((b) => delete b.object.uuid));
    expect(error.reason).toBe('invalid');
    expect(error.status).toBe(400);
    expect(error.message).toBe('Invalid notification envelope');
    expect(error.details).toEqual(['object.uuid should not be empty', 'object.uuid must be a string']);
  });

  it("refuses the empty uuid OpenRegister writes for an object without one", async () => {
    expect((await refusal(body((b) => (b.object.uuid = '')))).details).toEqual(['object.uuid should not be empty']);
  });

  it('lists every broken rule', async () => {
    const error = await refusal(
      body((b) => {
        b.notification = '';
        b.object.data = 'x';
        b.object.register = '';
        b.recipients = [1];
        b.context = 'c';
        delete b.timestamp;
      }),
    );
    expect(error.details).toEqual(
      expect.arrayContaining([
        'notification should not be empty',
        'object.data must be an object',
        'object.register must be a non-empty string or a number',
        'recipients: each value in recipients must be a string',
        'context must be an object (or [] when empty)',
        expect.stringMatching(/^timestamp must be a valid ISO 8601/),
      ]),
    );
    expect(error.details).toHaveLength(6);
  });

  it('refuses one whose object is not an object', async () => {
    expect((await refusal(body((b) => (b.object = 'x')))).details).toEqual(expect.arrayContaining(['object must be an object']));
  });
});
