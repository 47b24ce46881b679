import { Injectable, Module } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { ANY_EVENT, OnWebhookEvent, type OpenRegisterEvent } from '../src/handlers/index.js';
import { signHmac } from '../src/auth/hmac-signature.js';
import { FIXTURE_SECRET, loadFixture, type Fixture } from './support/fixtures.js';
import { signedHeaders } from './support/signed-deliveries.js';
import { waitFor } from './support/wait-for.js';
import { metricValue } from './support/test-app.js';
import { useAppsPerTest } from './support/recording-app.js';

/** A fixture with some bytes replaced and re-signed, as the real sender would sign it. */
function variant(name: string, replacements: [string, string][]): Fixture {
  const fixture = loadFixture(name);
  let text = fixture.body.toString('utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`fixture ${name} has no ${from}`);
    text = text.split(from).join(to);
  }
  const body = Buffer.from(text);
  return { name, body, headers: { ...fixture.headers, 'X-Webhook-Signature': signHmac(FIXTURE_SECRET, body) } };
}

/** A handler that holds every run at a gate until the test opens it. */
@Injectable()
class Gate {
  readonly started: string[] = [];
  open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
}

@Injectable()
@OnWebhookEvent(ANY_EVENT)
class GatedHandler {
  constructor(private readonly gate: Gate) {}

  async handle(event: OpenRegisterEvent): Promise<void> {
    this.gate.started.push(event.object?.uuid ?? '');
    await this.gate.opened;
  }
}

@Module({ providers: [Gate, GatedHandler] })
class GatedModule {}

describe('idempotency: a handler runs once per change', () => {
  const apps = useAppsPerTest();

  it('answers a resend with a new attempt and timestamp as a duplicate and runs no handler', async () => {
    const { t, handled } = await apps.start();
    const first = await t.send(loadFixture('openregister-object-updated'));
    const resend = variant('openregister-object-updated', [
      ['"attempt":2', '"attempt":3'],
      ['"timestamp":"2026-03-02T09:15:27+00:00","attempt"', '"timestamp":"2026-03-02T09:15:29+00:00","attempt"'],
    ]);
    const second = await t.send(resend);

    expect(first.body.status).toBe('processed');
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ status: 'duplicate', deliveryId: expect.any(String), originalDeliveryId: first.body.deliveryId });
    expect(second.body.deliveryId).not.toBe(first.body.deliveryId);
    expect(t.logs).toContainEqual(
      expect.objectContaining({ deliveryId: second.body.deliveryId, outcome: 'duplicate', originalDeliveryId: first.body.deliveryId }),
    );
    expect(handled.received).toHaveLength(1);
    expect(metricValue(await t.metrics(), 'webhook_deliveries_total', { event: 'object.updated', outcome: 'duplicate' })).toBe(1);
  });

  it('recognises a CloudEvents resend despite its fresh id', async () => {
    const { t, handled } = await apps.start();
    await t.send(loadFixture('openregister-cloudevent-created'));
    const resend = variant('openregister-cloudevent-created', [['6e0c3f1a-2b4d-4e8f-9a1b-7c6d5e4f3a2b', '11111111-2222-4333-8444-555555555555']]);
    expect((await t.send(resend)).body.status).toBe('duplicate');
    expect(handled.received).toHaveLength(1);
  });

  it('runs both of two different updates of the same object', async () => {
    const { t, handled } = await apps.start();
    const firstUpdate = await t.send(loadFixture('openregister-object-updated'));
    const secondUpdate = await t.send(
      variant('openregister-object-updated', [
        ['"tags":["monument"]', '"tags":["monument","restored"]'],
        ['"version":"1.0.3"', '"version":"1.0.4"'],
      ]),
    );
    expect([firstUpdate.body.status, secondUpdate.body.status]).toEqual(['processed', 'processed']);
    const received = handled.received.map(({ event }) => event.object?.data.tags);
    expect(received).toEqual([['monument'], ['monument', 'restored']]);
  });

  it('answers a resend of an event without an object, whose data carries the next attempt, as a duplicate', async () => {
    const { t, handled } = await apps.start();
    const registerCreated = (attempt: number) =>
      JSON.stringify({
        event: 'OCA\\OpenRegister\\Event\\RegisterCreatedEvent',
        webhook: { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'registers' },
        data: { objectType: 'register', register: 5, timestamp: '2026-03-02T09:15:27+00:00', attempt },
        timestamp: '2026-03-02T09:15:27+00:00',
        attempt,
      });
    const first = await t.post(registerCreated(1), signedHeaders(registerCreated(1)));
    const resend = await t.post(registerCreated(2), signedHeaders(registerCreated(2)));
    expect([first.body.status, resend.body]).toEqual(['processed', expect.objectContaining({ status: 'duplicate', originalDeliveryId: first.body.deliveryId })]);
    expect(handled.received).toHaveLength(1);
  });

  it('runs both of two changes to the same state from different previous states', async () => {
    const { t, handled } = await apps.start();
    const reverted = variant('nextcloud-openregister-object-updated', [['ObjectUpdatedEvent', 'ObjectRevertedEvent']]);
    const fromAnotherState = variant('nextcloud-openregister-object-updated', [
      ['ObjectUpdatedEvent', 'ObjectRevertedEvent'],
      ['"tags":["monument","open"]', '"tags":["monument","closed"]'],
    ]);
    const statuses = [(await t.send(reverted)).body.status, (await t.send(fromAnotherState)).body.status, (await t.send(reverted)).body.status];
    expect(statuses).toEqual(['processed', 'processed', 'duplicate']);
    expect(handled.received.map(({ event }) => event.previous?.data.tags)).toEqual([['monument', 'open'], ['monument', 'closed']]);
  });

  it('answers a resend that arrives while the first copy still runs as a duplicate of it, and runs the handler once', async () => {
    const { t } = await apps.start({}, { recording: false, extensions: [GatedModule] });
    const gate = t.app.get(Gate);
    const fixture = loadFixture('openregister-object-updated');
    const first = t.send(fixture);
    try {
      await waitFor(() => gate.started.length === 1, { timeoutInMs: 10_000, what: 'the first copy to reach its handler' });
      const resend = await t.send(fixture);
      expect(resend.status).toBe(200);
      expect(resend.body).toMatchObject({ status: 'duplicate' });
      expect(gate.started).toHaveLength(1);
    } finally {
      gate.open();
    }
    const answered = await first;
    expect(answered.body.status).toBe('processed');
    expect(gate.started).toHaveLength(1);
  });

  it('does not remember a delivery whose handlers failed, so a resend runs them again', async () => {
    const { t, handled } = await apps.start();
    handled.failWith = 'downstream unavailable';
    const failed = await t.send(loadFixture('openregister-object-created'));
    expect(failed.status).toBe(500);
    expect(failed.body.details).toEqual(['RecordingHandler: downstream unavailable']);

    handled.failWith = undefined;
    const retried = await t.send(loadFixture('openregister-object-created'));
    expect(retried.body.status).toBe('processed');
    expect(handled.received).toHaveLength(1);
    expect((await t.send(loadFixture('openregister-object-created'))).body.status).toBe('duplicate');
  });
});
