import { createServer, IncomingMessage, Server } from 'node:http';
import { once } from 'node:events';

export interface ForwardedRequest {
  webhookId: string;
  /** The request's path: services forwarding to `<url>/<name>` tell the target who sent it. */
  path: string;
  /** When it arrived, and when its answer was written (unset while pending, or never written). */
  receivedAt: number;
  answeredAt?: number;
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
  rawBody: string;
}

/** Decides the answer to one forwarded request: a status code, after an optional delay. */
export type TargetBehaviour = (request: ForwardedRequest, index: number) => { status: number; delayInMs?: number } | Promise<{ status: number; delayInMs?: number }>;

/** A forwarding target on loopback that records what it received and answers as told. */
export class ForwardTarget {
  readonly received: ForwardedRequest[] = [];
  behaviour: TargetBehaviour = () => ({ status: 200 });
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<ForwardTarget> {
    const ref: { target?: ForwardTarget } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const forwarded: ForwardedRequest = {
          webhookId: String(request.headers['webhook-id']),
          path: request.url ?? '',
          receivedAt: Date.now(),
          headers: request.headers,
          body: JSON.parse(rawBody) as Record<string, any>,
          rawBody,
        };
        response.once('finish', () => (forwarded.answeredAt = Date.now()));
        const target = ref.target!;
        const index = target.received.push(forwarded) - 1;
        const { status, delayInMs } = await target.behaviour(forwarded, index);
        if (delayInMs) await new Promise((resolve) => setTimeout(resolve, delayInMs));
        if (!response.destroyed) response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.keepAliveTimeout = 1000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    ref.target = new ForwardTarget(server, `http://127.0.0.1:${port}/hook`);
    return ref.target;
  }

  /** Distinct webhook-ids (= delivery ids) received at least once. */
  ids(): Set<string> {
    return new Set(this.received.map((request) => request.webhookId));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

