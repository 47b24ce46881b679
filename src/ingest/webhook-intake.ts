import type { Clock } from '../common/clock.js';
import { IpAllowlist } from '../common/ip-allowlist.js';
import { ipAllowlistCheck } from '../auth/ip-allowlist.check.js';
import type { AppConfig } from '../config/app-config.js';
import type { DeliveryTrace } from '../events/delivery-trace.js';
import type { Intake, WebhookRequest } from '../http/webhook-request.js';
import { newDeliveryId } from './delivery-id.js';
import { mediaTypeCheck } from './media-type.check.js';
import { startRequestSpan } from '../tracing/request-span.js';

/** The webhook route's path, as the request span names it (the controller declares the route). */
const WEBHOOK_PATH = '/webhooks/openregister';

/** Starts the trace of a delivery: its id (carrying `clock`'s time) and its timer start before anything can refuse it. */
export function startTrace(request: WebhookRequest, clock: Clock): DeliveryTrace {
  const trace: DeliveryTrace = (request.delivery = { deliveryId: newDeliveryId(clock.now()), startedAt: performance.now(), ip: request.ip });
  startRequestSpan(trace, request.headers, request.method, WEBHOOK_PATH);
  return trace;
}

/**
 * What the webhook route runs before a byte of the body is read: the trace first, so even a
 * refusal is logged and answered with a delivery id; then the address (403) and the media type
 * (415). A check refuses by throwing; the platform hands the throw to Nest's exception filters.
 * The trace reads `request.ip` once (each read parses X-Forwarded-For again), the checks share it.
 */
export function webhookIntake(config: AppConfig, clock: Clock): Intake {
  const checks = [ipAllowlistCheck(new IpAllowlist(config.ipAllowlist)), mediaTypeCheck];
  return (request) => {
    const trace = startTrace(request, clock);
    for (const check of checks) check(request, trace);
  };
}
