import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../src/events/openregister-event.js';
import { DeliveryStore } from '../src/store/delivery-store.js';
import { loadFixture } from './support/fixtures.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { useAppsPerTest } from './support/recording-app.js';
import { HandledEvents } from './support/recording.handler.js';
import type { TestApp } from './support/test-app.js';

const ADMIN_TOKEN = 'redaction-admin-token';

/** Each fixture with the credential strings the sender put into its payload. */
const SENDERS = [
  {
    fixture: 'nextcloud-node-created-with-tokens',
    secrets: ['Fk3Tq-Wm8Za-Rp4Xc-Hn7Ld-Yb2Sg', 'Qz6Mx-Tc9Pa-Lw3Ek-Sj5Rn-Ga8Vd', 'Nd4Yp-Kx7Bw-Ej2Hm-Zr9Ts-Ca6Lq'],
    inHandler: (event: OpenRegisterEvent) => event.tokens?.user_roles?.trigger?.admin,
  },
  {
    fixture: 'openregister-cloudevent-intercepted-creating',
    secrets: ['YWRtaW46b3Itc2VjcmV0LXBhc3N3b3JkLTE='],
    inHandler: (event: OpenRegisterEvent) => (event.payload as { cloudEvent: { data: { headers: Record<string, string> } } }).cloudEvent.data.headers.Authorization,
  },
];

describe('credentials inside payloads never leave the service (real payload shapes of both senders)', () => {
  // Before the targets' hooks: each test's app is closed before the targets it forwards to.
  const apps = useAppsPerTest();
  let plain: ForwardTarget;
  let trusted: ForwardTarget;

  beforeEach(async () => {
    [plain, trusted] = [await ForwardTarget.start(), await ForwardTarget.start()];
  });
  afterEach(async () => {
    await Promise.all([plain.close(), trusted.close()]);
  });

  const start = async (env: Record<string, string> = {}) => {
    const { t } = await apps.start({
      DELIVERY_MODE: 'queued',
      STORE_DRIVER: 'memory',
      ADMIN_TOKEN,
      LOG_LEVEL: 'debug',
      FORWARD_URLS: `${plain.url},${trusted.url}`,
      FORWARD_UNREDACTED_URLS: trusted.url,
      DELIVERY_MAX_ATTEMPTS: '2',
      DELIVERY_BACKOFF_BASE_MS: '10',
      DELIVERY_BACKOFF_MAX_MS: '20',
      ...env,
    });
    return t;
  };
  const adminText = async (app: TestApp, id: string) => {
    const response = await fetch(`${app.url}/admin/deliveries/${id}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    return response.text();
  };
  const statusOf = async (app: TestApp, id: string) => (JSON.parse(await adminText(app, id)) as { status: string }).status;

  describe.each(SENDERS)('$fixture', ({ fixture, secrets, inHandler }) => {
    it('hands the handler the credentials, and keeps them out of logs, the admin API, forwards but the opted-in one, and the finished row', async () => {
      const app = await start();
      const response = await app.send(loadFixture(fixture));
      expect(response.status).toBe(202);
      const id = response.body.deliveryId as string;
      await waitFor(async () => (await statusOf(app, id)) === 'succeeded', { timeoutInMs: 20_000, what: 'the delivery to succeed' });

      const handled = app.app.get(HandledEvents).received;
      expect(handled).toHaveLength(1);
      expect(secrets.some((secret) => inHandler(handled[0].event)?.includes(secret))).toBe(true);

      const admin = await adminText(app, id);
      const stored = await app.app.get<DeliveryStore>(DeliveryStore).get(id);
      const logs = JSON.stringify(app.logs);
      expect(plain.received).toHaveLength(1);
      expect(trusted.received).toHaveLength(1);
      for (const secret of secrets) {
        expect(logs).not.toContain(secret);
        expect(admin).not.toContain(secret);
        expect(plain.received[0].rawBody).not.toContain(secret);
        expect(JSON.stringify(stored)).not.toContain(secret);
      }
      expect(admin).toContain('[REDACTED]');
      expect(plain.received[0].rawBody).toContain('[REDACTED]');
      // The opted-in target gets the event exactly as the handler saw it.
      expect(trusted.received[0].body.event).toEqual(JSON.parse(JSON.stringify(handled[0].event)));
      expect(logs).toContain('audit');
    });

    it('keeps them out of a dead letter, and a replay runs with the redacted event', async () => {
      const app = await start({ FORWARD_URLS: plain.url, FORWARD_UNREDACTED_URLS: '' });
      app.app.get(HandledEvents).failWith = 'callback refused';
      const id = (await app.send(loadFixture(fixture))).body.deliveryId as string;
      await waitFor(async () => (await statusOf(app, id)) === 'dead', { timeoutInMs: 20_000, what: 'the dead letter' });

      const admin = await adminText(app, id);
      const stored = await app.app.get<DeliveryStore>(DeliveryStore).get(id);
      for (const secret of secrets) {
        expect(admin).not.toContain(secret);
        expect(JSON.stringify(stored)).not.toContain(secret);
        expect(JSON.stringify(app.logs)).not.toContain(secret);
        for (const forwarded of plain.received) expect(forwarded.rawBody).not.toContain(secret);
      }

      app.app.get(HandledEvents).failWith = undefined;
      const replay = await fetch(`${app.url}/admin/deliveries/${id}/replay`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(replay.status).toBe(202);
      await waitFor(async () => (await statusOf(app, id)) === 'succeeded', { timeoutInMs: 20_000, what: 'the replay to succeed' });
      const [replayed] = app.app.get(HandledEvents).received;
      expect(inHandler(replayed.event) ?? '[REDACTED]').toBe('[REDACTED]');
      expect(JSON.stringify(replayed.event)).toContain('[REDACTED]');
    });
  });
});
