import net from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'reset';

/**
 * A TCP proxy between the service and a server (PostgreSQL), for fault injection:
 * - `pass`: bytes flow both ways;
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
    if (mode === 'pass') for (const link of this.links) link.flush();
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
    const link = new Link(client, this.target, () => this.mode === 'pass', () => this.links.delete(link));
    this.links.add(link);
  }
}

/** One proxied connection: bytes held back while the proxy does not pass. */
class Link {
  private readonly upstream: net.Socket;
  private readonly toServer: Buffer[] = [];
  private readonly toClient: Buffer[] = [];
  private connected = false;
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    target: { host: string; port: number },
    private readonly passing: () => boolean,
    private readonly onClose: () => void,
  ) {
    this.upstream = net.connect(target.port, target.host, () => {
      this.connected = true;
      this.flush();
    });
    client.on('data', (chunk: Buffer) => this.forward(chunk, this.toServer, this.upstream));
    this.upstream.on('data', (chunk: Buffer) => this.forward(chunk, this.toClient, this.client));
    for (const socket of [client, this.upstream]) {
      socket.on('error', () => this.reset());
      socket.on('close', () => this.end());
    }
  }

  heldToServer(): number {
    return this.toServer.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Delivers what was held back, if the proxy passes now. */
  flush(): void {
    if (!this.passing() || !this.connected || this.closed) return;
    for (const chunk of this.toServer.splice(0)) this.upstream.write(chunk);
    for (const chunk of this.toClient.splice(0)) this.client.write(chunk);
  }

  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.resetAndDestroy();
    this.upstream.resetAndDestroy();
    this.onClose();
  }

  private forward(chunk: Buffer, held: Buffer[], to: net.Socket): void {
    if (this.passing() && this.connected && held.length === 0) to.write(chunk);
    else held.push(chunk);
  }

  private end(): void {
    // Either side closed: close the other (while blackholed too: a FIN is not held back here).
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream.destroy();
    this.onClose();
  }
}
