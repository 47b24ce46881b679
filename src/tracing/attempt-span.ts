import { context, type Link, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracingOn, withSpan } from './spans.js';

/** A delivery attempt as its span describes it. */
export interface TracedAttempt {
  deliveryId: string;
  attempt: number;
  event: string;
  /** The `traceparent` of the request that brought the delivery (queued mode: stored with it). */
  traceparent?: string;
}

/** What a run of the handlers returned, as far as the span needs it. */
interface AttemptResult {
  handled?: number;
  failures: readonly { handler: string; error: string }[];
}

/** The W3C `traceparent` of the active span, to store with a delivery; undefined while tracing is off. */
export function activeTraceparent(): string | undefined {
  if (!tracingOn()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * A queued attempt, run by the worker long after the request was answered (and again on each
 * retry or replay): the root of a trace of its own, linked to the request's span. As its child it
 * would stretch the request's trace over hours of retries (docs/tracing.md says more).
 */
export function traceQueuedAttempt<T extends AttemptResult>(attempt: TracedAttempt, fn: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return fn();
  const link = linkTo(attempt.traceparent);
  return traced(attempt, fn, { root: true, links: link ? [link] : [] });
}

/** An inline attempt, inside the request that brought the delivery: a child of its span. */
export function traceInlineAttempt<T extends AttemptResult>(attempt: TracedAttempt, fn: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return fn();
  return traced(attempt, fn, {});
}

function traced<T extends AttemptResult>(attempt: TracedAttempt, fn: () => Promise<T>, options: { root?: boolean; links?: Link[] }): Promise<T> {
  const attributes = { 'webhook.delivery_id': attempt.deliveryId, 'webhook.attempt': attempt.attempt, 'webhook.event': attempt.event };
  return withSpan(
    'webhook.attempt',
    async (span) => {
      const result = await fn();
      span?.setAttribute('webhook.handlers', result.handled ?? 0);
      if (result.failures.length > 0) {
        span?.setAttribute('webhook.failed_handlers', result.failures.map(({ handler }) => handler));
        span?.setStatus({ code: SpanStatusCode.ERROR, message: `${result.failures.length} handler(s) failed` });
      }
      return result;
    },
    { ...options, attributes },
  );
}

/** A link to the span a stored `traceparent` names; none for a missing or malformed one. */
function linkTo(traceparent: string | undefined): Link | undefined {
  if (!traceparent) return undefined;
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext, attributes: { 'webhook.link': 'request' } } : undefined;
}

/**
 * One handler's run as a child of the attempt: its class name, the event type, and its outcome
 * (`success` or `failure`, a timeout counting as a failure) as the run returned it.
 */
export function traceHandlerRun<T extends { error: string } | undefined>(handler: string, event: string, fn: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return fn();
  return withSpan(
    `handler ${handler}`,
    async (span) => {
      const failure = await fn();
      span?.setAttribute('webhook.handler.outcome', failure ? 'failure' : 'success');
      if (failure) span?.setStatus({ code: SpanStatusCode.ERROR, message: failure.error });
      return failure;
    },
    { attributes: { 'webhook.handler': handler, 'webhook.event': event } },
  );
}
