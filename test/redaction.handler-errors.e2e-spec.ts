/**
 * A handler's error message can quote a credential it was given (issue 20): a callback that failed
 * with the `Authorization` header OpenRegister's interception copied into the event. The message
 * becomes the delivery's lastError and its attempts' errors, shown by the admin API (and through it
 * the CLI), and is logged; inline, it is in the 500 answer. None of them may show the credential.
 */
import { describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import type { OpenRegisterEvent } from '../src/events/openregister-event.js';
import { ANY_EVENT, OnWebhookEvent } from '../src/handlers/on-webhook-event.decorator.js';
import type { WebhookEventHandler } from '../src/handlers/webhook-event-handler.js';
import { loadFixture } from './support/fixtures.js';
import { waitFor } from './support/wait-for.js';
import type { TestApp } from './support/test-app.js';
import { useAppsPerTest } from './support/recording-app.js';

const ADMIN_TOKEN = 'redaction-admin-token';
const FIXTURE = 'openregister-cloudevent-intercepted-creating';
/** The credential in that fixture's copied headers. */
const CREDENTIAL = 'YWRtaW46b3Itc2VjcmV0LXBhc3N3b3JkLTE=';

/** Calls back with the copied header and fails, quoting it, as a careless handler would. */
@Injectable()
@OnWebhookEvent(ANY_EVENT)
class QuotingHandler implements WebhookEventHandler {
  handle(event: OpenRegisterEvent): void {
    const headers = (event.payload as { cloudEvent: { data: { headers: Record<string, string> } } }).cloudEvent.data.headers;
    throw new Error(`Nextcloud refused the callback (401) with Authorization: ${headers.Authorization}; sent ${headers.Authorization.split(' ')[1]}`);
  }
}

@Module({ providers: [QuotingHandler] })
class QuotingModule {}

describe("a handler's error message that quotes a credential it was given", () => {
  const apps = useAppsPerTest();

  const admin = async (app: TestApp, path: string) => {
    const response = await fetch(`${app.url}/admin${path}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    return response.text();
  };

  it('queued: the admin API (detail and list) and the logs show the failure without the credential', async () => {
    const { t } = await apps.start(
      { DELIVERY_MODE: 'queued', STORE_DRIVER: 'memory', ADMIN_TOKEN, LOG_LEVEL: 'debug', DELIVERY_MAX_ATTEMPTS: '2', DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '20' },
      { recording: false, extensions: [QuotingModule] },
    );
    const app = t;
    const response = await app.send(loadFixture(FIXTURE));
    expect(response.status).toBe(202);
    const id = response.body.deliveryId as string;
    await waitFor(async () => (JSON.parse(await admin(app, `/deliveries/${id}`)) as { status: string }).status === 'dead', { timeoutInMs: 20_000, what: 'the dead letter' });

    const detail = JSON.parse(await admin(app, `/deliveries/${id}`)) as { lastError: string; history: { error?: string }[] };
    const list = await admin(app, '/deliveries');
    const logs = JSON.stringify(app.logs);
    // The failure is still told, handler and all: only the credential is gone.
    expect(detail.lastError).toMatch(/^QuotingHandler: Nextcloud refused the callback \(401\) with Authorization: \[REDACTED\]; sent \[REDACTED\]$/);
    expect(detail.history).toHaveLength(2);
    for (const attempt of detail.history) expect(attempt.error).toBe(detail.lastError);
    expect(list).toContain('Nextcloud refused the callback');
    expect(logs).toContain('Nextcloud refused the callback');
    for (const text of [JSON.stringify(detail), list, logs]) {
      expect(text).not.toContain(CREDENTIAL);
      expect(text).not.toContain('YWRtaW46b3Itc2VjcmV0');
    }
  });

  it('inline: the 500 answer and the logs name the failure without the credential', async () => {
    const { t } = await apps.start({ DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory', LOG_LEVEL: 'debug' }, { recording: false, extensions: [QuotingModule] });
    const response = await t.send(loadFixture(FIXTURE));
    expect(response.status).toBe(500);
    const body = JSON.stringify(response.body);
    expect(body).toContain('Nextcloud refused the callback');
    expect(body).not.toContain('YWRtaW46b3Itc2VjcmV0');
    expect(JSON.stringify(t.logs)).not.toContain('YWRtaW46b3Itc2VjcmV0');
  });
});
