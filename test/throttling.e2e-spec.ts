import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createdBodyFor, deliveryLineOf, inPool, outcomeTotal, signedHeaders } from './support/signed-deliveries.js';
import type { RawResponse, TestApp } from './support/test-app.js';
import { withRecordingApp } from './support/recording-app.js';

/** A genuine OpenRegister creation of a new object, correctly signed. */
function sendGenuine(t: TestApp, title = 'Genuine'): Promise<RawResponse> {
  const body = createdBodyFor(randomUUID(), title);
  return t.post(body, signedHeaders(body));
}

/** The same kind of delivery, signed with a secret the service does not know. */
function sendBadlySigned(t: TestApp): Promise<RawResponse> {
  const body = createdBodyFor(randomUUID(), 'Guess');
  return t.post(body, signedHeaders(body, `guessed-secret-${randomUUID()}`));
}

function expectThrottled(t: TestApp, response: RawResponse): void {
  expect(response.status).toBe(429);
  expect(response.body).toMatchObject({ statusCode: 429, error: 'throttled', deliveryId: expect.any(String) });
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  // Never longer than the window (THROTTLE_UNAUTHENTICATED_TTL_SECONDS, 60 by default).
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(response.body.details).toEqual([`retry after ${retryAfter} s`]);
  expect(deliveryLineOf(t, response)).toMatchObject({ outcome: 'throttled', status: 429 });
}

describe('genuine deliveries are never throttled', () => {
  it(
    // A hundred times the limit for failed authentications (20): genuine deliveries never count against it.
    'takes 2,000 authenticated deliveries from one address without one 429 (default limits)',
    async () => {
      const TOTAL = 2_000;
      await withRecordingApp({ LOG_LEVEL: 'warn' }, async ({ t, handled }) => {
        const statuses = new Map<number, number>();
        const results = await inPool(TOTAL, 50, async (index) => {
          const body = createdBodyFor(randomUUID(), `Bulk import ${index}`);
          const response = await t.post(body, signedHeaders(body));
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          return response.body.status as string;
        });

        expect(Object.fromEntries(statuses)).toEqual({ 200: TOTAL });
        expect(results.every((status) => status === 'processed')).toBe(true);
        const metrics = await t.metrics();
        expect(outcomeTotal(metrics, 'processed')).toBe(TOTAL);
        expect(outcomeTotal(metrics, 'throttled')).toBe(0);
        // Each one a different object, each handled once.
        expect(handled.received).toHaveLength(TOTAL);
        expect(new Set(handled.received.map(({ event }) => event.object?.uuid)).size).toBe(TOTAL);
      });
    },
    120_000,
  );
});

describe('repeated bad credentials are throttled', () => {
  it('answers 401 to the first 20 bad deliveries, then 429 with Retry-After, while genuine ones still get 200', async () => {
    await withRecordingApp({}, async ({ t, handled }) => {
      const bad: RawResponse[] = [];
      const genuine: RawResponse[] = [];
      for (let index = 0; index < 25; index++) {
        bad.push(await sendBadlySigned(t));
        // A genuine sender behind the same address, before and after the limit is reached.
        if (index === 9 || index === 22) genuine.push(await sendGenuine(t, `Genuine ${index}`));
      }

      expect(bad.map((response) => response.status)).toEqual([...Array(20).fill(401), ...Array(5).fill(429)]);
      for (const response of bad.slice(0, 20)) {
        expect(response.body).toMatchObject({ error: 'unauthorized' });
        expect(response.headers.get('retry-after')).toBeNull();
        expect(deliveryLineOf(t, response)).toMatchObject({ outcome: 'unauthorized', status: 401 });
      }
      for (const response of bad.slice(20)) expectThrottled(t, response);

      for (const response of genuine) {
        expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { status: 'processed', deliveryId: expect.any(String) } });
        expect(deliveryLineOf(t, response)).toMatchObject({ outcome: 'processed' });
      }
      expect(handled.received.map(({ event }) => event.object?.data.title)).toEqual(['Genuine 9', 'Genuine 22']);

      const metrics = await t.metrics();
      expect(outcomeTotal(metrics, 'unauthorized')).toBe(20);
      expect(outcomeTotal(metrics, 'throttled')).toBe(5);
      expect(outcomeTotal(metrics, 'processed')).toBe(2);

      // A delivery with no credentials at all counts as a failed one, too.
      expectThrottled(t, await t.send({ name: 'unsigned', body: Buffer.from(createdBodyFor(randomUUID())), headers: { 'Content-Type': 'application/json' } }));
      // And one more genuine delivery still passes.
      expect((await sendGenuine(t, 'Genuine after')).status).toBe(200);
    });
  });

  it('never throttles /health/live, /health/ready or /metrics, even for a throttled address', async () => {
    await withRecordingApp({ THROTTLE_UNAUTHENTICATED_LIMIT: '1' }, async ({ t }) => {
      await sendBadlySigned(t);
      expectThrottled(t, await sendBadlySigned(t));
      for (const path of ['/health/live', '/health/ready', '/metrics']) {
        const statuses = await inPool(100, 10, async () => {
          const response = await fetch(`${t.url}${path}`);
          await response.arrayBuffer();
          return response.status;
        });
        expect({ path, statuses: [...new Set(statuses)] }).toEqual({ path, statuses: [200] });
      }
      expectThrottled(t, await sendBadlySigned(t));
    }, { recording: false });
  });
});

describe('the limits are configurable', () => {
  it('with THROTTLE_UNAUTHENTICATED_LIMIT=2 the third bad delivery is throttled', async () => {
    await withRecordingApp({ THROTTLE_UNAUTHENTICATED_LIMIT: '2' }, async ({ t, handled }) => {
      const responses = [await sendBadlySigned(t), await sendBadlySigned(t), await sendBadlySigned(t)];
      expect(responses.map((response) => response.status)).toEqual([401, 401, 429]);
      expectThrottled(t, responses[2]);
      expect(outcomeTotal(await t.metrics(), 'throttled')).toBe(1);
      expect((await sendGenuine(t)).status).toBe(200);
      expect(handled.received).toHaveLength(1);
    });
  });

  it('with THROTTLE_AUTHENTICATED_LIMIT=3 genuine deliveries have their own, separate limit', async () => {
    await withRecordingApp({ THROTTLE_AUTHENTICATED_LIMIT: '3', THROTTLE_UNAUTHENTICATED_LIMIT: '2' }, async ({ t, handled }) => {
      const genuine = [await sendGenuine(t), await sendGenuine(t), await sendGenuine(t), await sendGenuine(t)];
      expect(genuine.map((response) => response.status)).toEqual([200, 200, 200, 429]);
      expectThrottled(t, genuine[3]);
      expect(handled.received).toHaveLength(3);
      // Bad credentials are counted apart: the genuine traffic used none of their budget.
      expect([await sendBadlySigned(t), await sendBadlySigned(t)].map((response) => response.status)).toEqual([401, 401]);
    });
  });
});
