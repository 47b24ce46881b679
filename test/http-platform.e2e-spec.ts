import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { expectAnswered, expectRefused } from './support/expectations.js';
import { TEST_HTTP_ADAPTER } from './support/http-adapter.js';
import { createdBodyFor, deliveryLineOf, signedHeaders } from './support/signed-deliveries.js';
import { useRecordingApp, withRecordingApp } from './support/recording-app.js';
import type { RawResponse, TestApp } from './support/test-app.js';

// What must not depend on HTTP_ADAPTER, checked on the platform this Jest project runs
// (e2e-express, e2e-fastify): headers, routing, body limits, and refusals before the body.

/** Headers of an answer besides their values' clock and size: exactly these, on either platform. */
const ANSWER_HEADERS = ['connection', 'content-length', 'content-type', 'date', 'keep-alive'];

/**
 * Sends the headers and `parts` of a body without ever finishing it (unless `end`), and
 * resolves with the answer: an answer to an unfinished body was given before the body was read.
 */
function sendPartly(t: TestApp, headers: Record<string, string>, parts: Buffer[], end = false): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${t.url}/webhooks/openregister`, { method: 'POST', headers }, (response: IncomingMessage) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        request.destroy();
        const answerHeaders = new Headers(Object.entries(response.headers).map(([key, value]) => [key, String(value)]));
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, body: text ? (JSON.parse(text) as Record<string, any>) : {} });
      });
    });
    // The server may answer and close while parts are still being written.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (const part of parts) request.write(part);
    if (end) request.end();
  });
}

describe(`the ${TEST_HTTP_ADAPTER} platform`, () => {
  const app = useRecordingApp({ WEBHOOK_BODY_LIMIT: '4kb', IP_ALLOWLIST: '127.0.0.1, 203.0.113.7', TRUST_PROXY: '1' }, { recording: false });

  it('is the one HTTP_ADAPTER names', () => {
    expect(app.t.app.getHttpAdapter().getType()).toBe(TEST_HTTP_ADAPTER);
  });

  it('answers with the same headers as the other platform, accepted or refused', async () => {
    const body = createdBodyFor(randomUUID());
    const accepted = await expectAnswered(app.t, () => app.t.post(body, signedHeaders(body)));
    const refused = await expectRefused(app.t, () => app.t.post(body, signedHeaders(body, 'another-secret')), { status: 401, error: 'unauthorized', outcome: 'unauthorized' });
    for (const response of [accepted, refused]) {
      expect([...response.headers.keys()].sort()).toEqual(ANSWER_HEADERS);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('connection')).toBe('keep-alive');
      expect(response.headers.get('keep-alive')).toBe('timeout=72');
    }
  });

  it('routes case-sensitively and ignores a trailing slash, on the webhook route and elsewhere', async () => {
    const body = createdBodyFor(randomUUID());
    expect((await fetch(`${app.t.url}/webhooks/openregister/`, { method: 'POST', headers: signedHeaders(body), body })).status).toBe(200);
    expect((await fetch(`${app.t.url}/health/live/`)).status).toBe(200);
    const wrongCase = await fetch(`${app.t.url}/Webhooks/openregister`, { method: 'POST', headers: signedHeaders(body), body });
    expect(wrongCase.status).toBe(404);
    expect(await wrongCase.json()).toEqual({ statusCode: 404, error: 'not_found', message: 'Cannot POST /Webhooks/openregister' });
  });

  it('refuses a declared length over WEBHOOK_BODY_LIMIT with 413 before reading it, and closes the connection', async () => {
    const headers = { ...signedHeaders('x'), 'Content-Length': String(64 * 1024) };
    const response = await sendPartly(app.t, headers, [Buffer.from('{"event":')]);
    expect({ status: response.status, error: response.body.error, connection: response.headers.get('connection') }).toEqual({ status: 413, error: 'too_large', connection: 'close' });
    expect(deliveryLineOf(app.t, response)).toMatchObject({ outcome: 'invalid', status: 413 });
  });

  it('refuses a streamed body (no Content-Length) with 413 once it passes WEBHOOK_BODY_LIMIT', async () => {
    const headers = { ...signedHeaders('x'), 'Transfer-Encoding': 'chunked' };
    const parts = Array.from({ length: 8 }, () => Buffer.alloc(1024, 'x'));
    const response = await sendPartly(app.t, headers, parts);
    expect({ status: response.status, error: response.body.error, message: response.body.message }).toEqual({
      status: 413,
      error: 'too_large',
      message: 'Body is larger than WEBHOOK_BODY_LIMIT=4kb (4096 bytes)',
    });
    expect(deliveryLineOf(app.t, response)).toMatchObject({ outcome: 'invalid', status: 413 });
  });

  it('takes a streamed body under the limit byte for byte', async () => {
    const body = Buffer.from(createdBodyFor(randomUUID()));
    const parts = [body.subarray(0, 100), body.subarray(100)];
    const response = await sendPartly(app.t, { ...signedHeaders(body), 'Transfer-Encoding': 'chunked' }, parts, true);
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { status: 'processed', deliveryId: expect.any(String) } });
  });

  it('answers 403 and 415 before reading a byte of the body', async () => {
    const unfinished = { 'Content-Length': '1000', 'X-Webhook-Signature': 'ab' };
    const forbidden = await sendPartly(app.t, { ...unfinished, 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.1' }, [Buffer.from('{')]);
    expect({ status: forbidden.status, error: forbidden.body.error }).toEqual({ status: 403, error: 'forbidden' });
    const unsupported = await sendPartly(app.t, { ...unfinished, 'Content-Type': 'text/plain' }, [Buffer.from('{')]);
    expect({ status: unsupported.status, error: unsupported.body.error }).toEqual({ status: 415, error: 'unsupported_media_type' });
    for (const response of [forbidden, unsupported]) expect(deliveryLineOf(app.t, response)).toMatchObject({ status: response.status });
  });

  it('believes one proxy hop with TRUST_PROXY=1: the address the proxy saw, not one the client wrote', async () => {
    const body = createdBodyFor(randomUUID());
    // The last hop was added by our one trusted proxy; the client wrote the first.
    await expectAnswered(app.t, () => app.t.post(body, { ...signedHeaders(body), 'X-Forwarded-For': '10.9.9.9, 203.0.113.7' }));
    const spoofed = createdBodyFor(randomUUID());
    await expectRefused(app.t, () => app.t.post(spoofed, { ...signedHeaders(spoofed), 'X-Forwarded-For': '203.0.113.7, 10.9.9.9' }), {
      status: 403,
      error: 'forbidden',
      outcome: 'forbidden',
    });
  });
});

describe(`TRUST_PROXY as a hop count on the ${TEST_HTTP_ADAPTER} platform`, () => {
  it('believes exactly two hops with TRUST_PROXY=2: the address the second proxy saw, never one further out', async () => {
    await withRecordingApp(
      { IP_ALLOWLIST: '203.0.113.7', TRUST_PROXY: '2' },
      async ({ t }) => {
        const statusWith = async (forwardedFor: string) => {
          const body = createdBodyFor(randomUUID());
          return (await t.post(body, { ...signedHeaders(body), 'X-Forwarded-For': forwardedFor })).status;
        };
        // The socket's peer is the first proxy; the last X-Forwarded-For entry is the second one's.
        expect(await statusWith('10.9.9.9, 203.0.113.7, 10.8.8.8')).toBe(200);
        expect(await statusWith('203.0.113.7, 10.9.9.9, 10.8.8.8')).toBe(403);
        expect(await statusWith('203.0.113.7, 10.8.8.8')).toBe(200);
      },
      { recording: false },
    );
  });
});

describe(`TRUST_PROXY as a list on the ${TEST_HTTP_ADAPTER} platform`, () => {
  it('believes X-Forwarded-For from a listed proxy (loopback) and not from others', async () => {
    for (const [trustProxy, expected] of [['loopback', 200], ['10.0.0.0/8', 403]] as const) {
      await withRecordingApp(
        { IP_ALLOWLIST: '203.0.113.7', TRUST_PROXY: trustProxy },
        async ({ t }) => {
          const body = createdBodyFor(randomUUID());
          const response = await t.post(body, { ...signedHeaders(body), 'X-Forwarded-For': '203.0.113.7' });
          expect({ trustProxy, status: response.status }).toEqual({ trustProxy, status: expected });
        },
        { recording: false },
      );
    }
  });
});
