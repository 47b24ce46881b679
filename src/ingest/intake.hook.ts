import type { FastifyInstance } from 'fastify';
import { type DeliveryTrace, startTrace, type WebhookRequest } from './webhook-request.js';

/** One check a delivery passes before its body is read; it refuses by throwing a WebhookError. */
export type IntakeCheck = (request: WebhookRequest, trace: DeliveryTrace) => void;

/**
 * Runs the intake checks of one route as a Fastify `onRequest` hook: after routing, before a
 * byte of the body is read, as Nest middleware would, but not through @fastify/middie, which costs
 * every request with a middleware about 20 µs (bench/README.md). The trace starts first, so even a
 * refusal is logged and answered with a delivery id; a check's throw is Fastify's to catch, and
 * the refusal goes through Nest's exception filters.
 */
export function addIntakeHook(fastify: FastifyInstance, route: { method: string; url: string }, checks: readonly IntakeCheck[]): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.url !== route.url || request.method !== route.method) return done();
    const webhookRequest = request as WebhookRequest;
    const trace = startTrace(webhookRequest);
    for (const check of checks) check(webhookRequest, trace);
    done();
  });
}
