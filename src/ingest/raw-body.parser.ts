import type { FastifyInstance } from 'fastify';

/**
 * Makes every request body arrive as raw bytes, because signatures are over the exact bytes on
 * the wire: Fastify's own JSON and text parsers are removed, one catch-all reads a Buffer. Its
 * limit is the server's `bodyLimit` (WEBHOOK_BODY_LIMIT); over it Fastify answers through the
 * exception filter with 413.
 */
export function acceptRawBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
