import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { drainRefusedBody } from './drain-refused-body.js';
import type { HttpPlatform } from './http-platform.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * Nest on Fastify: about 2.5× less CPU per request than Nest on Express in a minimal app
 * (bench/README.md). Routing is case-sensitive and ignores a trailing slash, as on Express.
 */
export function fastifyPlatform(config: AppConfig): HttpPlatform {
  const adapter = new FastifyAdapter({
    trustProxy: trustProxyOf(config.trustProxy),
    bodyLimit: config.webhook.bodyLimitInBytes,
    // While draining, queued mode still takes deliveries (the senders never retry): Fastify's
    // 503 for requests arriving during close would lose them.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const fastify = adapter.getInstance();
  acceptRawBodies(fastify);
  // Runs before Nest's error handler answers: the sender reads the 413 instead of a broken pipe.
  fastify.addHook('onError', (request, _reply, error, done) => {
    if ((error as { statusCode?: number }).statusCode === 413) drainRefusedBody(request.raw);
    done();
  });
  return {
    adapter,
    addIntake(route, intake) {
      // A route's `onRequest` hook runs after routing, before the body is read, as Nest
      // middleware would, but not through @fastify/middie, which costs every request with a
      // middleware about 20 µs (bench/README.md). Fastify catches a throw and hands it to Nest.
      fastify.addHook('onRequest', (request, _reply, done) => {
        if (request.routeOptions.url !== route.url || request.method !== route.method) return done();
        intake(request as unknown as WebhookRequest);
        // A blank Content-Type means none (Nextcloud's way); Fastify would refuse it as invalid.
        if (request.headers['content-type']?.trim() === '') delete request.raw.headers['content-type'];
        done();
      });
    },
  };
}

/**
 * TRUST_PROXY for Fastify. A hop count becomes proxy-addr's hop test, as Express compiles it:
 * Fastify 5.12 takes a number as "trust no proxy at all" (fastify/lib/request.js), which behind
 * an Ingress would make every delivery come from the Ingress's address.
 */
function trustProxyOf(trustProxy: AppConfig['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address, hop) => hop < trustProxy;
}

/**
 * Every request body arrives as raw bytes, because signatures are over the exact bytes on the
 * wire: Fastify's own JSON and text parsers are removed, one catch-all reads a Buffer. Its limit
 * is the server's `bodyLimit` (WEBHOOK_BODY_LIMIT); over it Fastify answers 413 (with
 * `Connection: close` when the declared length is already too large) through Nest's filters.
 */
function acceptRawBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
