import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadFixture } from './support/fixtures.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { useAppsPerTest } from './support/recording-app.js';
import { deliveryLines, type TestApp } from './support/test-app.js';

/** The sender's own span, as a W3C traceparent it sends along (OpenRegister does not, a proxy may). */
const SENDER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SENDER_SPAN_ID = '00f067aa0ba902b7';
const SENDER_TRACEPARENT = `00-${SENDER_TRACE_ID}-${SENDER_SPAN_ID}-01`;

describe('tracing: a delivery through the real app, into an in-memory exporter', () => {
  let t: TestApp | undefined;
  // Before the target's hooks: each test's app is closed before the target it forwards to.
  const apps = useAppsPerTest();
  let target: ForwardTarget;
  let exporter: InMemorySpanExporter;

  beforeEach(async () => {
    target = await ForwardTarget.start();
    exporter = new InMemorySpanExporter();
  });
  afterEach(async () => {
    t = undefined;
    await target.close();
  });

  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((span) => span.name === name);
  const one = (name: string): ReadableSpan => {
    const found = named(name);
    expect(found.map((span) => span.name)).toEqual([name]);
    return found[0];
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const start = async (mode: 'queued' | 'inline') =>
    (await apps.start({ DELIVERY_MODE: mode, FORWARD_URLS: target.url, FORWARD_SECRET: 'whsec_dHJhY2luZy1lMmUtc2VjcmV0LTMyLWJ5dGVzLWxvbmch' }, { recording: false, traceExporter: exporter })).t;

  it('queued: the request span with its steps, an attempt linked to it, the handlers, the forward and its traceparent', async () => {
    t = await start('queued');
    const response = await t.send(loadFixture('openregister-object-created'), { traceparent: SENDER_TRACEPARENT });
    expect(response.status).toBe(202);
    await waitFor(() => named('handler ForwardHandler').length === 1 && named('webhook.attempt').length === 1, { timeoutInMs: 10_000, what: 'the attempt span' });

    // The request: a child of the sender's span, in the sender's trace.
    const request = one('POST /webhooks/openregister');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.spanContext().traceId).toBe(SENDER_TRACE_ID);
    expect(parentOf(request)).toBe(SENDER_SPAN_ID);
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/webhooks/openregister',
      'http.response.status_code': 202,
      'webhook.delivery_id': response.body.deliveryId,
      'webhook.outcome': 'accepted',
      'webhook.format': 'openregister',
      'webhook.event': 'object.created',
    });
    for (const step of ['webhook.auth', 'webhook.parse', 'webhook.enqueue']) {
      expect(parentOf(one(step))).toBe(request.spanContext().spanId);
      expect(one(step).spanContext().traceId).toBe(SENDER_TRACE_ID);
    }

    // The attempt: a trace of its own, linked to the request span through the stored traceparent.
    const attempt = one('webhook.attempt');
    expect(attempt.parentSpanContext).toBeUndefined();
    expect(attempt.spanContext().traceId).not.toBe(SENDER_TRACE_ID);
    expect(attempt.links.map((link) => link.context.spanId)).toEqual([request.spanContext().spanId]);
    expect(attempt.attributes).toMatchObject({ 'webhook.delivery_id': response.body.deliveryId, 'webhook.attempt': 1, 'webhook.event': 'object.created' });

    // Every handler run under the attempt; the forward under the forwarding handler.
    const forwarding = one('handler ForwardHandler');
    expect(parentOf(forwarding)).toBe(attempt.spanContext().spanId);
    expect(forwarding.attributes).toMatchObject({ 'webhook.handler': 'ForwardHandler', 'webhook.event': 'object.created', 'webhook.handler.outcome': 'success' });
    expect(parentOf(one('handler AuditLogHandler'))).toBe(attempt.spanContext().spanId);
    const forward = one('POST 127.0.0.1');
    expect(forward.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(forward)).toBe(forwarding.spanContext().spanId);
    expect(forward.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'url.full': target.url });

    // The target was handed the forward span's context.
    expect(target.received).toHaveLength(1);
    expect(target.received[0].headers.traceparent).toBe(`00-${forward.spanContext().traceId}-${forward.spanContext().spanId}-01`);

    // The delivery's outcome line carries the request's ids.
    expect(deliveryLines(t.logs)).toEqual([expect.objectContaining({ outcome: 'accepted', traceId: SENDER_TRACE_ID, spanId: request.spanContext().spanId })]);
  });

  it('inline: the attempt is a child of the request span, after the dedupe step', async () => {
    t = await start('inline');
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.body.status).toBe('processed');
    await waitFor(() => named('POST /webhooks/openregister').length === 1, { timeoutInMs: 5_000, what: 'the request span' });

    const request = one('POST /webhooks/openregister');
    expect(request.parentSpanContext).toBeUndefined();
    expect(request.attributes).toMatchObject({ 'webhook.outcome': 'processed', 'http.response.status_code': 200 });
    const traceId = request.spanContext().traceId;
    for (const step of ['webhook.auth', 'webhook.parse', 'webhook.dedupe', 'webhook.attempt', 'webhook.complete']) expect(parentOf(one(step))).toBe(request.spanContext().spanId);
    const attempt = one('webhook.attempt');
    expect(attempt.links).toEqual([]);
    const forwarding = one('handler ForwardHandler');
    expect(parentOf(forwarding)).toBe(attempt.spanContext().spanId);
    const forward = one('POST 127.0.0.1');
    expect(parentOf(forward)).toBe(forwarding.spanContext().spanId);
    expect(spans().every((span) => span.spanContext().traceId === traceId)).toBe(true);
    expect(target.received[0].headers.traceparent).toBe(`00-${traceId}-${forward.spanContext().spanId}-01`);
    expect(deliveryLines(t.logs)).toEqual([expect.objectContaining({ outcome: 'processed', traceId, spanId: request.spanContext().spanId })]);
  });

  it('marks a failed forward and its handler as errors, and a refused request with its status', async () => {
    target.behaviour = () => ({ status: 503 });
    t = await start('inline');
    expect((await t.send(loadFixture('openregister-object-created'))).status).toBe(500);
    const unsigned = loadFixture('openregister-object-created');
    expect((await t.post(unsigned.body, { 'content-type': 'application/json' })).status).toBe(401);
    await waitFor(() => named('POST /webhooks/openregister').length === 2, { timeoutInMs: 5_000, what: 'both request spans' });

    expect(one('POST 127.0.0.1').status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
    expect(one('handler ForwardHandler').status.code).toBe(SpanStatusCode.ERROR);
    expect(one('webhook.attempt').status.code).toBe(SpanStatusCode.ERROR);
    const [failed, refused] = named('POST /webhooks/openregister');
    expect(failed.attributes).toMatchObject({ 'http.response.status_code': 500, 'webhook.outcome': 'failed' });
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused.attributes).toMatchObject({ 'http.response.status_code': 401, 'webhook.outcome': 'unauthorized' });
    expect(refused.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('off (no OTEL_* set, no exporter): no trace ids in the log, no traceparent forwarded', async () => {
    t = (await apps.start({ DELIVERY_MODE: 'inline', FORWARD_URLS: target.url }, { recording: false })).t;
    expect((await t.send(loadFixture('openregister-object-created'))).body.status).toBe('processed');
    expect(t.logs.some((line) => 'traceId' in line || 'spanId' in line)).toBe(false);
    expect(target.received[0].headers.traceparent).toBeUndefined();
  });
});
