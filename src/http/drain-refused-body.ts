import type { IncomingMessage } from 'node:http';

/**
 * How much of a refused (413) body is read and thrown away so the sender can read the answer; a
 * sender still writing past it gets its connection closed (a broken pipe), as a flood should.
 */
export const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * Reads and discards the rest of a body refused as too large, up to {@link MAX_DRAINED_BYTES}, and
 * closes a `Connection: close` answer's socket only once that body has ended. Node closes it as
 * soon as the answer is written (`destroySoon`); bytes the sender was still writing then met a
 * reset, and curl said "Send failure: Broken pipe" and fetch EPIPE, never the 413 and its reason.
 * Both platforms answer a too-large body this way (Express's raw-body and Fastify's parser).
 */
export function drainRefusedBody(request: IncomingMessage, maxBytes = MAX_DRAINED_BYTES): void {
  const socket = request.socket;
  if (request.complete || socket.destroyed) return;
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxBytes) socket.destroy();
  });
  request.resume();
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (request.complete || socket.destroyed) destroySoon();
    else request.once('end', destroySoon);
  };
}
