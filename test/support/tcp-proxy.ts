import net from 'node:net';

/** `{ delayInMs }`: every chunk, either way, arrives that much later (a slow network, in order). */
export type ProxyMode = 'pass' | 'blackhole' | 'reset' | { delayInMs: number };

/**
 * A TCP proxy between the service and a server (PostgreSQL), for fault injection:
 * - `pass`: bytes flow both ways;
 * - `{ delayInMs }`: bytes flow both ways, each chunk `delayInMs` after it arrived at the proxy
 *   (latency, not a bandwidth limit: chunks in flight overlap; their order is kept);
 * - `blackhole`: the network hangs: connections stay open (new ones are accepted) but no byte gets
 *   through either way, until `pass` again, when what was held back is delivered (as TCP would
 *   once the route is back);
 * - `reset`: every open connection is reset, and new ones are reset at once (a server that is down).
 */
export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly server: net.Server;
  private readonly links = new Set<Link>();

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: net.Server,
  ) {
    this.server = server;
  }

  /** Listens on a free loopback port and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const accepted: net.Socket[] = [];
    const holder: { proxy?: TcpProxy } = {};
    const server = net.createServer((socket) => (holder.proxy ? holder.proxy.accept(socket) : accepted.push(socket)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(target, (server.address() as net.AddressInfo).port, server);
    holder.proxy = proxy;
    for (const socket of accepted) proxy.accept(socket);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Open connections through the proxy. */
  get connections(): number {
    return this.links.size;
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'reset') for (const link of [...this.links]) link.reset();
    else for (const link of this.links) link.flush();
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) link.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Bytes towards the server held back now (a statement sent into the blackhole shows here). */
  heldBytes(): number {
    let total = 0;
    for (const link of this.links) total += link.heldToServer();
    return total;
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const link = new Link(client, this.target, () => this.delay(), () => this.links.delete(link));
    this.links.add(link);
  }

  /** How long a chunk arriving now is held: Infinity while nothing gets through. */
  private delay(): number {
    if (this.mode === 'pass') return 0;
    if (typeof this.mode === 'object') return this.mode.delayInMs;
    return Infinity;
  }
}

/** One direction of a link: chunks wait here until their time comes (never, while blackholed). */
class Lane {
  private readonly held: { chunk: Buffer; arrivedAt: number }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly to: net.Socket,
    private readonly delay: () => number,
  ) {}

  push(chunk: Buffer): void {
    this.held.push({ chunk, arrivedAt: Date.now() });
  }

  get bytes(): number {
    return this.held.reduce((sum, { chunk }) => sum + chunk.length, 0);
  }

  /** Writes every chunk whose time has come, in order, and comes back for the next one. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const delay = this.delay();
    if (delay === Infinity) return;
    const now = Date.now();
    while (this.held.length > 0 && this.held[0].arrivedAt + delay <= now) this.to.write(this.held.shift()!.chunk);
    if (this.held.length > 0) this.timer = setTimeout(() => this.flush(), this.held[0].arrivedAt + delay - now);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.held.length = 0;
  }
}

/** One proxied connection: bytes held back while the proxy does not pass. */
class Link {
  private readonly upstream: net.Socket;
  private readonly toServer: Lane;
  private readonly toClient: Lane;
  private connected = false;
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    target: { host: string; port: number },
    delay: () => number,
    private readonly onClose: () => void,
  ) {
    this.upstream = net.connect(target.port, target.host, () => {
      this.connected = true;
      this.flush();
    });
    this.toServer = new Lane(this.upstream, delay);
    this.toClient = new Lane(client, delay);
    client.on('data', (chunk: Buffer) => this.forward(chunk, this.toServer));
    this.upstream.on('data', (chunk: Buffer) => this.forward(chunk, this.toClient));
    for (const socket of [client, this.upstream]) {
      socket.on('error', () => this.reset());
      socket.on('close', () => this.end());
    }
  }

  heldToServer(): number {
    return this.toServer.bytes;
  }

  /** Delivers what was held back and is due by now (all of it once the proxy passes). */
  flush(): void {
    if (!this.connected || this.closed) return;
    this.toServer.flush();
    this.toClient.flush();
  }

  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopLanes();
    this.client.resetAndDestroy();
    this.upstream.resetAndDestroy();
    this.onClose();
  }

  private forward(chunk: Buffer, lane: Lane): void {
    lane.push(chunk);
    this.flush();
  }

  private stopLanes(): void {
    this.toServer.stop();
    this.toClient.stop();
  }

  private end(): void {
    // Either side closed: close the other (while blackholed too: a FIN is not held back here).
    if (this.closed) return;
    this.closed = true;
    this.stopLanes();
    this.client.destroy();
    this.upstream.destroy();
    this.onClose();
  }
}
