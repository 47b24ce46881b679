import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { nextcloudJson } from './php.js';
import { ROUTES, type Route, type RouteReply } from './routes.js';
import type { FakeStore } from './state.js';
import type { LoggedRequest } from './types.js';

/** Where OpenRegister's API lives under the Nextcloud base URL (no pretty URLs). */
export const API_PREFIX = '/index.php/apps/openregister/api';

/** An injected failure, standing for a proxy, Nextcloud's throttling or maintenance: not OpenRegister code. */
export interface FaultSpec {
  status: 429 | 500 | 503;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Only requests whose path+query matches; every request when unset. */
  path?: RegExp;
}

const FAULT_MESSAGES: Record<number, string> = { 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** The HTTP side: Nextcloud's login, routing, security and compression middlewares in front of the routes. */
export class FakeHttp {
  private readonly server: Server;
  private readonly faults: (FaultSpec & { remaining: number })[] = [];
  private readonly hangs = new Set<RegExp>();
  feedAvailable = true;

  constructor(
    private readonly store: FakeStore,
    /** uid → app password. */
    private readonly users: ReadonlyMap<string, string>,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' }).end(nextcloudJson({ message: error.message }));
      });
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    // Hanging requests never end by themselves; drop their sockets with everything else.
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  failNext(count: number, spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: count });
  }

  /** Requests matching `path` are never answered; returns a function that stops that for new ones. */
  hang(path: RegExp): () => void {
    this.hangs.add(path);
    return () => this.hangs.delete(path);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = request.url ?? '/';
    const logged: LoggedRequest = {
      method: request.method ?? 'GET',
      url,
      user: this.authenticate(request.headers.authorization),
      headers: { ...request.headers },
      acceptsGzip: String(request.headers['accept-encoding'] ?? '').includes('gzip'),
    };
    this.store.requests.push(logged);
    if ([...this.hangs].some((pattern) => pattern.test(url))) return;
    const fault = this.faults.find((candidate) => candidate.remaining > 0 && (!candidate.path || candidate.path.test(url)));
    if (fault) {
      fault.remaining--;
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
      return this.send(response, logged, { status: fault.status, data: { message: FAULT_MESSAGES[fault.status] } }, headers);
    }
    const parsed = new URL(url, 'http://fake.invalid');
    const path = parsed.pathname.startsWith(API_PREFIX) ? parsed.pathname.slice(API_PREFIX.length) : null;
    // Builds without the feed (main, beta, master) have no such route: Nextcloud's 404 page.
    const match = path === null ? undefined : this.route(logged.method, path);
    if (!match) return this.sendHtml(response, logged, 404, '<!DOCTYPE html><html><body><h2>Page not found</h2></body></html>');
    const { route, params } = match;
    if (!route.public && logged.user === null) {
      // SecurityMiddleware: NotLoggedInException → JSON 401, or a redirect to the login page for browsers.
      if (String(request.headers.accept ?? '').includes('html')) return this.sendHtml(response, logged, 303, '', { Location: '/index.php/login' });
      return this.send(response, logged, { status: 401, data: { message: 'Current user is not logged in' } });
    }
    const reply = await route.handle(this.store, {
      params: Object.fromEntries(params.map((value, index) => [String(index), decodeURIComponent(value)])),
      query: parsed.searchParams,
      input: { ...Object.fromEntries(parsed.searchParams), ...parseInput(request.headers['content-type'], body) },
      user: logged.user,
      remoteAddress: request.socket.remoteAddress ?? '127.0.0.1',
    });
    this.send(response, logged, reply);
  }

  private route(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of ROUTES) {
      if (route.method !== method || (route.feed && !this.feedAvailable)) continue;
      const params = route.pattern.exec(path);
      if (params) return { route, params: params.slice(1) };
    }
    return undefined;
  }

  /** Basic auth with an app password (`OC::handleLogin` → tryBasicAuthLogin); anything else is anonymous. */
  private authenticate(header: string | undefined): string | null {
    const match = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const user = decoded.slice(0, colon);
    return this.users.get(user) === decoded.slice(colon + 1) ? user : null;
  }

  /**
   * JSONResponse bytes. CompressionMiddleware gzips every 200 JSON answer when the client's
   * `Accept-Encoding` has gzip; ObjectsController's own label (`labelGzip`) is sent even when it
   * did not, over a body nobody compressed.
   */
  private send(response: ServerResponse, logged: LoggedRequest, reply: RouteReply, extra: Record<string, string> = {}): void {
    const headers: Record<string, string> = { ...extra };
    let payload: Buffer = Buffer.alloc(0);
    if (reply.status !== 204) {
      headers['Content-Type'] = 'application/json; charset=utf-8';
      payload = Buffer.from(nextcloudJson(reply.data ?? null));
    }
    if (reply.labelGzip) Object.assign(headers, { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    if (reply.status === 200 && logged.acceptsGzip) {
      headers['Content-Encoding'] = 'gzip';
      payload = gzipSync(payload);
    }
    this.write(response, logged, reply.status, headers, payload);
  }

  private sendHtml(response: ServerResponse, logged: LoggedRequest, status: number, html: string, extra: Record<string, string> = {}): void {
    this.write(response, logged, status, { 'Content-Type': 'text/html; charset=UTF-8', ...extra }, Buffer.from(html));
  }

  private write(response: ServerResponse, logged: LoggedRequest, status: number, headers: Record<string, string>, payload: Buffer): void {
    logged.status = status;
    logged.contentEncoding = headers['Content-Encoding'];
    response.writeHead(status, { ...headers, 'Content-Length': String(payload.length) }).end(payload);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Nextcloud's request parameters from a JSON or form body (other bodies add nothing). */
function parseInput(contentType: string | undefined, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  return {};
}
