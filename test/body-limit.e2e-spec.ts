import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { FIXTURE_SECRET } from './support/fixtures.js';
import { TEST_HTTP_ADAPTER } from './support/http-adapter.js';
import { ServiceProcess } from './support/service-process.js';
import { signedHeaders } from './support/signed-deliveries.js';

// A sender whose body is over WEBHOOK_BODY_LIMIT must read why in its own log: the 413 and the
// limit. Answering and closing while the sender still writes gave it "Broken pipe"/EPIPE instead.
// The built service, in a process of its own: in the test's own process the sender and the
// service share one event loop, and the race that broke the pipe rarely shows.

const LIMIT = 5 * 1024 * 1024;
const MESSAGE = `Body is larger than WEBHOOK_BODY_LIMIT=5mb (${LIMIT} bytes)`;
/** 6 MB of JSON, signed: over the 5 MB limit, larger than the sockets' buffers. */
const BODY = Buffer.from(`{"event":"x","data":"${'x'.repeat(6 * 1024 * 1024)}"}`);

/** Sends the whole body as a plain client does (write all, then read), resolving with the answer or the client's error. */
function post(url: string, headers: Record<string, string>): Promise<{ status: number; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const request = httpRequest(`${url}/webhooks/openregister`, { method: 'POST', headers: { ...headers, 'Content-Length': String(BODY.length) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end(BODY);
  });
}

describe(`a body over WEBHOOK_BODY_LIMIT on ${TEST_HTTP_ADAPTER}`, () => {
  let t: ServiceProcess;
  beforeAll(async () => {
    t = await ServiceProcess.start({ WEBHOOK_SECRETS: FIXTURE_SECRET, WEBHOOK_BODY_LIMIT: '5mb', DELIVERY_MODE: 'inline', STORE_DRIVER: 'memory' });
    await t.ready();
  });
  afterAll(() => t.kill());

  it('is answered 413 naming the limit, readable by fetch', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`${t.url}/webhooks/openregister`, { method: 'POST', headers: signedHeaders(BODY), body: BODY });
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 413,
        body: { statusCode: 413, error: 'too_large', message: MESSAGE, deliveryId: expect.any(String) },
      });
    }
  });

  it('is answered 413 naming the limit, readable by a client that writes the whole body first (node:http)', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await post(t.url, signedHeaders(BODY));
      expect(answer).toEqual({ status: 413, text: expect.stringContaining(MESSAGE) });
    }
  });

  it('is answered 413 when streamed without a length, once it passes the limit', async () => {
    const response = await fetch(`${t.url}/webhooks/openregister`, {
      method: 'POST',
      headers: signedHeaders(BODY),
      body: new Blob([BODY]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect({ status: response.status, message: ((await response.json()) as { message: string }).message }).toEqual({ status: 413, message: MESSAGE });
  });

  it('is logged as an invalid delivery naming the limit', () => {
    expect(t.logLines().filter((line) => line.status === 413).map((line) => line.reason)).toContain(MESSAGE);
  });
});
