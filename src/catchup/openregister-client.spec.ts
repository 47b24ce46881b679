import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { OpenRegisterClient } from './openregister-client.js';

const NOW = Date.parse('2026-05-15T12:00:00Z');
let server: Server;
let base: string;
const seen: IncomingMessage[] = [];

const routes: Record<string, (response: ServerResponse) => void> = {
  '/api/ok': (response) => response.setHeader('content-type', 'application/json').end('{"cursor":9223372036854775807,"url":"https:\\/\\/x"}'),
  '/api/gzip': (response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"results":[1,2,3]}')),
  '/api/401': (response) => response.writeHead(401).end('{"message":"Current user is not logged in"}'),
  '/api/404': (response) => response.writeHead(404).end('{"error":"Not Found"}'),
  '/api/429': (response) => response.writeHead(429, { 'retry-after': '7' }).end(),
  '/api/503': (response) => response.writeHead(503, { 'retry-after': new Date(NOW + 3000).toUTCString() }).end(),
  '/api/302': (response) => response.writeHead(302, { location: '/login' }).end(),
  '/api/html': (response) => response.writeHead(200).end('<html></html>'),
  '/api/hang': () => undefined,
  '/api/stall': (response) => void response.writeHead(200, { 'content-type': 'application/json' }).write('{"results":['),
};

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request);
    routes[request.url!.split('?')[0]](response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const clientOf = (apiUrl = base, timeoutInMs = 2000) => new OpenRegisterClient({ apiUrl, username: 'admin', password: 'app pass', timeoutInMs, clock: { now: () => NOW } });

describe('OpenRegisterClient', () => {
  it('sends Basic auth and asks for gzip, and reads integers past 2^53 exactly', async () => {
    expect(await clientOf().get('/ok')).toEqual({ cursor: 9223372036854775807n, url: 'https://x' });
    const request = seen[seen.length - 1];
    expect(request.headers.authorization).toBe('Basic ' + Buffer.from('admin:app pass').toString('base64'));
    expect(request.headers['accept-encoding']).toBe('gzip');
  });

  it('inflates a body OpenRegister compressed', async () => {
    expect(await clientOf().get('/gzip')).toEqual({ results: [1, 2, 3] });
  });

  it.each([
    ['/401', 'unauthorized', 401, undefined],
    ['/404', 'not-found', 404, undefined],
    ['/429', 'throttled', 429, 7000],
    ['/503', 'unavailable', 503, 3000],
    ['/html', 'invalid', 200, undefined],
  ])('names the failure of GET %s: %s', async (path, failure, status, retryAfterInMs) => {
    await expect(clientOf().get(path)).rejects.toMatchObject({ failure, status, retryAfterInMs });
  });

  it('says where a redirect points, which hints at a wrong OPENREGISTER_URL', async () => {
    await expect(clientOf().get('/302')).rejects.toThrow(/answered 302 to \/login \(is OPENREGISTER_URL the Nextcloud base URL\?\)/);
  });

  it('gives up on an answer that does not come within the timeout', async () => {
    await expect(clientOf(base, 200).get('/hang')).rejects.toMatchObject({ failure: 'timeout', message: 'GET /hang got no answer within 200 ms' });
  });

  it('gives up within the timeout when a garbage collection runs while it waits, with a shutdown signal given', async () => {
    // AbortSignal.any([signal, AbortSignal.timeout(ms)]) handed to fetch lost its timeout on Node 20 after a collection.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const client = new OpenRegisterClient({ apiUrl: base, username: 'admin', password: 'app pass', timeoutInMs: 300, clock: { now: () => NOW }, signal: new AbortController().signal });
    const collecting = setInterval(collect, 20);
    const bound = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('still waiting after 5 s')), 5_000).unref());
    try {
      await expect(Promise.race([client.get('/hang'), bound])).rejects.toMatchObject({ failure: 'timeout', message: 'GET /hang got no answer within 300 ms' });
    } finally {
      clearInterval(collecting);
    }
  });

  it('gives up on a body that stops halfway within the same timeout', async () => {
    await expect(clientOf(base, 200).get('/stall')).rejects.toMatchObject({ failure: 'timeout', message: 'GET /stall got no answer within 200 ms' });
  });

  it('names a connection that cannot be made', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(clientOf(`http://127.0.0.1:${port}/api`).get('/ok')).rejects.toMatchObject({ failure: 'unreachable', message: expect.stringContaining('ECONNREFUSED') });
  });
});
