import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { verifyStandardWebhook } from '../auth/standard-webhooks.js';
import { loadConfig } from '../config/app-config.js';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import { createLogger } from '../logging/logger.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { ForwardHandler } from './forward.handler.js';
import type { ForwardMessage } from './forward-request.js';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const event: OpenRegisterEvent = { type: 'object.updated', eventClass: 'X', format: 'openregister', occurredAt: '2026-11-29T09:59:59.000Z' };

interface Target {
  url: string;
  received: { headers: Record<string, string | string[] | undefined>; body: string }[];
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A loopback target answering every request with `status`. */
async function target(status: number): Promise<Target> {
  const received: Target['received'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end();
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/in`, received, server };
}

function handlerFor(env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const config = loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });
  return { handler: new ForwardHandler(config, logger, { now: () => NOW }, new RedactionPolicy(config.redactFields)), lines };
}

describe('ForwardHandler', () => {
  it('sends the same signed request to every URL, with the delivery id as webhook-id', async () => {
    const [a, b] = [await target(200), await target(202)];
    const { handler } = handlerFor({ FORWARD_URLS: `${a.url},${b.url}`, FORWARD_SECRET: 'forward-secret' });
    await handler.handle(event, { deliveryId: 'delivery-1', attempt: 3, signal: new AbortController().signal });

    for (const { received } of [a, b]) {
      expect(received).toHaveLength(1);
      const [{ headers, body }] = received;
      expect(JSON.parse(body) as ForwardMessage).toEqual({ deliveryId: 'delivery-1', attempt: 3, event });
      expect(headers['webhook-id']).toBe('delivery-1');
      expect(headers['webhook-timestamp']).toBe(String(NOW / 1000));
      const verdict = verifyStandardWebhook(['forward-secret'], body, { id: 'delivery-1', timestamp: String(NOW / 1000), signature: headers['webhook-signature'] as string }, 0, 0);
      expect(verdict.ok).toBe(true);
    }
  });

  it('tries every URL, then throws one error naming each failed one and no other', async () => {
    const [ok, broken, missing] = [await target(200), await target(500), await target(404)];
    const { handler } = handlerFor({ FORWARD_URLS: `${ok.url},${broken.url},${missing.url}`, FORWARD_SECRET: 'forward-secret' });
    const failure = handler.handle(event, { deliveryId: 'delivery-2', attempt: 1, signal: new AbortController().signal }).catch((error: unknown) => error as Error);
    const error = await failure;

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`forwarding failed for 2 of 3 URLs: ${broken.url}: HTTP 500 Internal Server Error; ${missing.url}: HTTP 404 Not Found`);
    expect([ok, broken, missing].map(({ received }) => received.length)).toEqual([1, 1, 1]);
  });

  it('names the one URL when it is the only one', async () => {
    const broken = await target(500);
    const { handler } = handlerFor({ FORWARD_URLS: broken.url, FORWARD_SECRET: 'forward-secret' });
    await expect(handler.handle(event, { deliveryId: 'd', attempt: 1, signal: new AbortController().signal })).rejects.toThrow(`forwarding failed: ${broken.url}: HTTP 500 Internal Server Error`);
  });

  it('sends unsigned without FORWARD_SECRET, and warns at boot', async () => {
    const a = await target(200);
    const { handler, lines } = handlerFor({ FORWARD_URLS: a.url, DELIVERY_MODE: 'queued' });
    handler.onApplicationBootstrap();
    await handler.handle(event, { deliveryId: 'd', attempt: 1, signal: new AbortController().signal });

    expect(a.received[0].headers['webhook-signature']).toBeUndefined();
    expect(a.received[0].headers['webhook-id']).toBe('d');
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual([expect.stringContaining('without FORWARD_SECRET')]);
  });

  it('logs the targets masked at boot and warns about inline mode', () => {
    const { handler, lines } = handlerFor({ FORWARD_URLS: 'https://user:pass@gis.example.org/hook?key=abc', FORWARD_SECRET: 's', DELIVERY_MODE: 'inline' });
    handler.onApplicationBootstrap();
    const text = JSON.stringify(lines);
    expect(text).toContain('https://***@gis.example.org/hook?key=***');
    expect(text).not.toMatch(/user:pass|key=abc/);
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual([expect.stringContaining('DELIVERY_MODE=inline')]);
  });

  describe('credentials inside the event', () => {
    const secretEvent: OpenRegisterEvent = { ...event, payload: { headers: { Authorization: 'Bearer nc-secret-1' }, extra: { bsn: '123456782' } } };

    it('redacts them for every target but those in FORWARD_UNREDACTED_URLS, each body signed as sent', async () => {
      const [plain, trusted] = [await target(200), await target(200)];
      const { handler, lines } = handlerFor({
        FORWARD_URLS: `${plain.url},${trusted.url}`,
        FORWARD_UNREDACTED_URLS: trusted.url,
        FORWARD_SECRET: 'forward-secret',
        REDACT_FIELDS: 'bsn',
      });
      handler.onApplicationBootstrap();
      await handler.handle(secretEvent, { deliveryId: 'delivery-1', attempt: 1, signal: new AbortController().signal });

      expect(plain.received[0].body).not.toContain('nc-secret-1');
      expect(plain.received[0].body).not.toContain('123456782');
      expect((JSON.parse(plain.received[0].body) as ForwardMessage).event.payload).toEqual({ headers: { Authorization: '[REDACTED]' }, extra: { bsn: '[REDACTED]' } });
      expect((JSON.parse(trusted.received[0].body) as ForwardMessage).event).toEqual(secretEvent);
      for (const { received } of [plain, trusted]) {
        const { headers, body } = received[0];
        const signed = { id: 'delivery-1', timestamp: String(NOW / 1000), signature: headers['webhook-signature'] as string };
        expect(verifyStandardWebhook(['forward-secret'], body, signed, 0, 0).ok).toBe(true);
      }
      expect(lines.find((line) => line.msg === 'Forwarding every event to 2 URL(s)')).toMatchObject({ unredactedTo: [trusted.url] });
    });
  });
});
