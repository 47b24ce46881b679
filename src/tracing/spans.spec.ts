import { afterEach, describe, expect, it } from '@jest/globals';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { activeTraceparent, traceQueuedAttempt } from './attempt-span.js';
import { endRequestSpan, inRequest, requestStep, startRequestSpan } from './request-span.js';
import { startTracing, type StartedTracing } from './sdk.js';
import { mergeTraceFields, traceLogFields, tracingOn, withSpan } from './spans.js';

const quiet = () => undefined;

describe('tracing off (the default)', () => {
  it('only calls through: no span, no active context, no log fields, no traceparent', async () => {
    expect(tracingOn()).toBe(false);
    expect(withSpan('x', (span) => span)).toBeUndefined();
    expect(await withSpan('x', async () => trace.getActiveSpan())).toBeUndefined();
    const key = {};
    startRequestSpan(key, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, 'POST', '/w');
    expect(inRequest(key, () => requestStep(key, 'step', () => trace.getActiveSpan()))).toBeUndefined();
    expect(activeTraceparent()).toBeUndefined();
    const line = { a: 1 };
    expect(mergeTraceFields(line, traceLogFields())).toBe(line);
  });
});

describe('tracing on', () => {
  let tracing: StartedTracing | undefined;
  // A fresh one per test: shutting tracing down shuts its exporter down for good.
  let exporter: InMemorySpanExporter;
  const start = async () => {
    exporter = new InMemorySpanExporter();
    tracing = await startTracing(undefined, { exporter, version: 'test', diagnostics: quiet });
  };
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  it('makes a child of the active span only, ends it when the promise settles, and marks a rejection', async () => {
    await start();
    expect(withSpan('orphan', () => 1)).toBe(1);
    const key = {};
    startRequestSpan(key, {}, 'POST', '/w');
    await inRequest(key, async () => {
      await withSpan('ok', async () => undefined);
      await expect(withSpan('fails', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(() => withSpan('throws', () => { throw new Error('sync boom'); })).toThrow('sync boom');
    });
    endRequestSpan(key, 200, { 'webhook.outcome': 'processed' });
    const byName = Object.fromEntries(exporter.getFinishedSpans().map((span) => [span.name, span]));
    expect(Object.keys(byName).sort()).toEqual(['POST /w', 'fails', 'ok', 'throws']);
    expect(byName.fails.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(byName.throws.status.code).toBe(SpanStatusCode.ERROR);
    expect(byName.ok.parentSpanContext?.spanId).toBe(byName['POST /w'].spanContext().spanId);
  });

  it('gives log lines the active span ids, the line\'s own fields winning', async () => {
    await start();
    const key = {};
    startRequestSpan(key, {}, 'POST', '/w');
    const fields = requestStep(key, 'step', () => mergeTraceFields({ spanId: 'mine' }, traceLogFields())) as Record<string, string>;
    expect(fields.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fields.spanId).toBe('mine');
  });

  it('links a queued attempt to a stored traceparent and ignores a malformed one', async () => {
    await start();
    const result = { failures: [{ handler: 'H', error: 'x' }] };
    await traceQueuedAttempt({ deliveryId: 'd', attempt: 2, event: 'object.created', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, async () => result);
    await traceQueuedAttempt({ deliveryId: 'e', attempt: 1, event: 'object.created', traceparent: 'garbage' }, async () => ({ failures: [] }));
    const [linked, unlinked] = exporter.getFinishedSpans();
    expect(linked.links.map((link) => link.context.spanId)).toEqual(['00f067aa0ba902b7']);
    expect(linked.status.code).toBe(SpanStatusCode.ERROR);
    expect(linked.attributes).toMatchObject({ 'webhook.attempt': 2, 'webhook.failed_handlers': ['H'] });
    expect(unlinked.links).toEqual([]);
  });

  it('records nothing once shut down', async () => {
    await start();
    await tracing!.shutdown();
    tracing = undefined;
    expect(tracingOn()).toBe(false);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
