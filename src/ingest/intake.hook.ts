import type { FastifyInstance } from 'fastify';
import { startTrace, type WebhookRequest } from './webhook-request.js';

/** One check a delivery passes before its body is read; it refuses by throwing a WebhookError. */
export type IntakeCheck = (request: WebhookRequest) => void;

/**
 * Runs the intake checks of one route as a Fastify `onRequest` hook: after routing, before a
 * byte of the body is read, as Nest middleware would, but without @fastify/middie, which costs
 * every request about 20 µs (bench/README.md). The trace starts first, so even a refusal is
 * logged and answered with a delivery id; a refusal goes through Nest's exception filters.
 */
export function addIntakeHook(fastify: FastifyInstance, route: { method: string; url: string }, checks: readonly IntakeCheck[]): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.url !== route.url || request.method !== route.method) return done();
    const webhookRequest = request as WebhookRequest;
    startTrace(webhookRequest);
    try {
      for (const check of checks) check(webhookRequest);
    } catch (refusal) {
      return done(refusal as Error);
    }
    done();
  });
}
