import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';

/** Where the service listens: every interface, IPv6 and IPv4 where the host has IPv6, as Node's own default does. */
export const ANY_IPV6 = '::';
/** The fallback on hosts without IPv6. */
export const ANY_IPV4 = '0.0.0.0';

/** True for the errors that mean "this host has no IPv6": listen on IPv4 instead. */
export function isNoIpv6(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EAFNOSUPPORT' || error.code === 'EADDRNOTAVAIL';
}

/**
 * One line naming PORT for the errors a listen can fail with because of that setting, or
 * undefined for any other error.
 */
export function portErrorLine(error: NodeJS.ErrnoException, port: number): string | undefined {
  if (error.code === 'EADDRINUSE') return `Cannot start: PORT=${port} is already in use (another process listens on it); set PORT to a free port`;
  if (error.code === 'EACCES') return `Cannot start: PORT=${port} may not be opened by this user (ports below 1024 need privileges); set PORT to 1024 or above`;
  return undefined;
}

/**
 * Checks that PORT can be listened on before anything else starts, so a taken port stops the
 * service with one line naming PORT instead of after the app has booted and said it started.
 * The probe binds and closes at once (listening sockets use SO_REUSEADDR, so the real listen can
 * follow); a port taken between the two still fails the real listen, which names PORT the same way.
 * @throws Error with the one-line message of `portErrorLine`.
 */
export async function assertPortFree(port: number): Promise<void> {
  try {
    await probe(port, ANY_IPV6).catch((error: NodeJS.ErrnoException) => {
      if (!isNoIpv6(error)) throw error;
      return probe(port, ANY_IPV4);
    });
  } catch (error) {
    const line = portErrorLine(error as NodeJS.ErrnoException, port);
    throw line === undefined ? error : new Error(line, { cause: error });
  }
}

async function probe(port: number, host: string): Promise<void> {
  const server = createServer();
  server.listen({ port, host, exclusive: true });
  // `once` rejects with the server's 'error' (EADDRINUSE, EACCES...) instead of waiting for ever.
  await once(server, 'listening');
  server.close();
  await once(server, 'close');
}

/** How the start-up line shows the address actually bound: `[::]:3000`, `0.0.0.0:3000`. */
export function describeAddress(address: AddressInfo | string | null): string {
  if (address === null) return 'unknown';
  if (typeof address === 'string') return address;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
