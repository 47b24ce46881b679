import { type Attributes, context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import { startSpan, tracingOn, withSpan } from './spans.js';

/**
 * Each delivery's request span, as the context its steps run in, keyed by the delivery's trace
 * object (the one `startTrace` makes per request): Nest calls the guards, the pipe and the
 * controller one after another, not inside one another, so the context is handed over by the
 * object they all see rather than by AsyncLocalStorage.
 */
const requests = new WeakMap<object, Context>();

/**
 * Starts the span of one webhook request (kind server), the child of the sender's span when it
 * sent a W3C `traceparent`. Nothing while tracing is off.
 */
export function startRequestSpan(key: object, headers: IncomingHttpHeaders, method: string, route: string): void {
  if (!tracingOn()) return;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': method, 'http.route': route, 'url.path': route } });
  if (span) requests.set(key, trace.setSpan(parent, span));
}

/** Runs `fn` in the delivery's request span (when it has one): what it starts becomes its child. */
export function inRequest<T>(key: object | undefined, fn: () => T): T {
  if (!tracingOn() || key === undefined) return fn();
  const active = requests.get(key);
  return active ? context.with(active, fn) : fn();
}

/** One step of a delivery's request (`webhook.auth`, `webhook.parse`) as a child span of it. */
export function requestStep<T>(key: object | undefined, name: string, fn: () => T): T {
  if (!tracingOn() || key === undefined) return fn();
  const active = requests.get(key);
  return active ? withSpan(name, fn, { parent: active }) : fn();
}

/** Ends the delivery's request span with its answer; an answer of 500 or more marks it an error. */
export function endRequestSpan(key: object, status: number, attributes: Attributes): void {
  if (!tracingOn()) return;
  const active = requests.get(key);
  if (!active) return;
  requests.delete(key);
  const span = trace.getSpan(active)!;
  span.setAttributes(attributes);
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Runs `fn` outside any span: for work a request sets going that lives on after it (waking the
 * worker), which would otherwise inherit the request's context, and its log lines its trace id.
 */
export function outsideTrace<T>(fn: () => T): T {
  return tracingOn() ? context.with(ROOT_CONTEXT, fn) : fn();
}
