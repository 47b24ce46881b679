import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_TOKEN, loadFixture } from './support/fixtures.js';
import { waitFor } from './support/wait-for.js';
import { ServiceProcess } from './support/service-process.js';

/** An OTLP/HTTP collector reduced to what it received. */
async function startCollector(): Promise<{ url: string; received: { path?: string; headers: IncomingHttpHeaders; bytes: number }[]; server: Server }> {
  const received: { path?: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
  const server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      received.push({ path: request.url, headers: request.headers, bytes });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, server };
}

/** The @opentelemetry packages the process loaded, from Node's module debug log (NODE_DEBUG=module). */
const loadedPackages = (stderr: string) => new Set([...stderr.matchAll(/node_modules\/(@opentelemetry\/[a-z-]+)/g)].map((match) => match[1]));

// The built service (`npx nest build` first), as `npm start` runs it.
describe('tracing in the built service (npm start)', () => {
  let service: ServiceProcess | undefined;
  let server: Server | undefined;
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orw-tracing-'));
  });
  afterEach(async () => {
    service?.kill();
    await service?.exit();
    service = undefined;
    server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    service = await ServiceProcess.start({ WEBHOOK_TOKENS: FIXTURE_TOKEN, WEBHOOK_TOLERANCE_SECONDS: '0', DATA_DIR: dataDir, NODE_DEBUG: 'module', ...env });
    await service.ready();
    const fixture = loadFixture('openregister-object-created');
    const response = await fetch(`${service.url}/webhooks/openregister`, { method: 'POST', headers: { ...fixture.headers, authorization: `Bearer ${FIXTURE_TOKEN}` }, body: fixture.body });
    expect(response.status).toBe(202);
    return service;
  };

  it('off (no OTEL_* variable): loads no SDK module, only the API', async () => {
    const running = await start({});
    await running.stop(); // its module log read to the end
    expect([...loadedPackages(running.stderr)]).toEqual(['@opentelemetry/api']);
  });

  it('on with an OTLP endpoint: exports protobuf to <endpoint>/v1/traces, with the headers of OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const collector = await startCollector();
    server = collector.server;
    const running = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=collector-key', OTEL_BSP_SCHEDULE_DELAY: '50' });
    await waitFor(() => collector.received.length > 0, { timeoutInMs: 10_000, what: 'an OTLP export' });
    expect(collector.received[0]).toMatchObject({ path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'x-api-key': 'collector-key' } });
    expect(collector.received[0].bytes).toBeGreaterThan(100);
    await running.stop();
    expect(loadedPackages(running.stderr)).toContain('@opentelemetry/sdk-trace-node');
    expect(running.logLines().some((line) => line.outcome === 'accepted' && typeof line.traceId === 'string')).toBe(true);
  });
});
