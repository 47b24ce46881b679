import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../test/support/fake-clock.js';
import { FIXTURE_SECRET, FIXTURE_SENT_AT, loadFixture } from '../../test/support/fixtures.js';
import { WebhookError } from '../common/webhook-error.js';
import { loadConfig } from '../config/app-config.js';
import type { AuthMethod, WebhookRequest } from '../http/webhook-request.js';
import { ParseDeliveryPipe } from './parse-delivery.pipe.js';

// The replay window on the signed body timestamp, checked against the app's clock: the fake one
// is moved across the window's edges instead of waiting or sending bodies signed at other times.
describe('ParseDeliveryPipe: the replay window', () => {
  const created = loadFixture('openregister-object-created');
  const clock = new FakeClock();
  const pipe = new ParseDeliveryPipe(loadConfig({ WEBHOOK_SECRETS: FIXTURE_SECRET, WEBHOOK_TOLERANCE_SECONDS: '300' }), clock);
  const request = (method: AuthMethod = 'hmac'): WebhookRequest => ({
    method: 'POST',
    headers: created.headers,
    body: created.body,
    delivery: { deliveryId: 'd-1', startedAt: 0 },
    webhookAuth: { ok: true, method },
  });
  const refusal = async (method?: AuthMethod) => pipe.transform(request(method)).then(() => undefined, (error: unknown) => error);

  it.each([
    ['as it was sent', 0],
    ['300 s later (the edge)', 300_000],
    ['300 s earlier (a sender clock ahead)', -300_000],
  ])('accepts the signed body %s', async (_label, offset) => {
    clock.set(FIXTURE_SENT_AT + offset);
    expect(await refusal()).toBeUndefined();
  });

  it.each([
    ['a moment past the window', 300_001],
    ['a moment before it', -300_001],
  ])('refuses it %s as unauthorized', async (_label, offset) => {
    clock.set(FIXTURE_SENT_AT + offset);
    const error = await refusal();
    expect(error).toBeInstanceOf(WebhookError);
    expect(error).toMatchObject({ reason: 'unauthorized', message: 'Signed timestamp is outside the tolerance window' });
  });

  it('checks only bodies whose timestamp the HMAC covers: a token vouches for no time', async () => {
    clock.set(FIXTURE_SENT_AT + 30 * 24 * 3_600_000);
    expect(await refusal('token')).toBeUndefined();
    expect(await refusal('hmac')).toBeInstanceOf(WebhookError);
  });
});
