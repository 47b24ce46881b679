import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { waitFor } from '../../test/support/wait-for.js';
import { drainRefusedBody } from './drain-refused-body.js';

const ANSWER = '{"statusCode":413}';

/** A server that refuses every body at once with `Connection: close`, as both platforms do, then drains. */
async function refusingServer(maxBytes?: number): Promise<Server & { bodyBytesRead: () => number }> {
  let read = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (read += chunk.length));
    drainRefusedBody(request, maxBytes);
    response.writeHead(413, { Connection: 'close', 'Content-Length': ANSWER.length }).end(ANSWER);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(server, { bodyBytesRead: () => read });
}

/** A raw client: headers announcing `length` bytes and the first bytes of the body. */
async function startSending(server: Server, length: number): Promise<{ socket: Socket; received: () => string; closed: Promise<unknown> }> {
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n${'x'.repeat(10)}`);
  await waitFor(() => text.includes(ANSWER), { timeoutInMs: 5_000, what: 'the 413 answer' });
  return { socket, received: () => text, closed };
}

describe('drainRefusedBody', () => {
  let server: Server | undefined;
  afterEach(() => void server?.close());

  it('keeps the connection open after the answer until the sender has sent the whole body', async () => {
    const refusing = await refusingServer();
    server = refusing;
    const { socket, received, closed } = await startSending(refusing, 100_010);
    // The answer is out; the server must still read what follows, and not end the connection.
    socket.write('x'.repeat(1000));
    await waitFor(() => refusing.bodyBytesRead() >= 1010, { timeoutInMs: 5_000, what: 'the server to read past its answer' });
    expect(socket.readableEnded || socket.destroyed).toBe(false);
    socket.write('x'.repeat(99_000));
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 413/);
    expect(socket.writableFinished || socket.destroyed).toBe(true);
  });

  it('closes the connection of a sender that keeps writing past the bound', async () => {
    server = await refusingServer(1000);
    const { socket, closed } = await startSending(server, 1_000_000);
    socket.write('x'.repeat(5000));
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
