import { Injectable, Module } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { BuildingIndex, BuildingIndexModule } from '../src/extensions/building-index.handler.js';
import { type DeliveryContext, OnWebhookEvent, type OpenRegisterEvent } from '../src/handlers/index.js';
import { loadFixture } from './support/fixtures.js';
import { signedHeaders } from './support/signed-deliveries.js';
import { useAppsPerTest } from './support/recording-app.js';
import { metricValue } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const UUID = '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f';

describe('handlers', () => {
  const apps = useAppsPerTest();

  it('runs the documented example handler with its injected dependency', async () => {
    const guide = readFileSync(new URL('../docs/handlers.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../src/extensions/building-index.handler.ts', import.meta.url), 'utf8');
    expect(guide).toContain(example.trim());

    const { t } = await apps.start({}, { recording: false, extensions: [BuildingIndexModule] });
    const index = t.app.get(BuildingIndex);

    expect((await t.send(loadFixture('openregister-object-created'))).body.status).toBe('processed');
    expect(index.buildings.get(UUID)).toEqual({ title: 'Stadhuis Utrecht', city: 'Utrecht' });

    // This update only changes tags: the handler runs and, by its own rule, leaves the index alone.
    index.buildings.set(UUID, { title: 'stale', city: 'stale' });
    expect((await t.send(loadFixture('nextcloud-openregister-object-updated'))).body.status).toBe('processed');
    expect(index.buildings.get(UUID)).toEqual({ title: 'stale', city: 'stale' });

    // The same update from OpenRegister's own webhook is the same change (same state), so a duplicate.
    expect((await t.send(loadFixture('openregister-object-updated'))).body.status).toBe('duplicate');
    // A later update without a previous state says nothing about what changed: the handler indexes it.
    const later = loadFixture('openregister-object-updated').body.toString('utf8').replace('"version":"1.0.3"', '"version":"1.0.4"');
    expect((await t.post(later, signedHeaders(later))).body.status).toBe('processed');
    expect(index.buildings.get(UUID)).toEqual({ title: 'Stadhuis Utrecht', city: 'Utrecht' });

    const metrics = await t.metrics();
    const runs = (event: string) => metricValue(metrics, 'webhook_handler_runs_total', { event, handler: 'BuildingIndexHandler', outcome: 'success' });
    expect([runs('object.created'), runs('object.updated')]).toEqual([1, 2]);
  });

  it('filters by register and schema', async () => {
    const { t } = await apps.start({ AUDIT_LOG_ENABLED: 'false' }, { recording: false, extensions: [BuildingIndexModule] });
    // documented-object-updated is in register "my-register": not the example's register 5.
    const response = await t.send(loadFixture('documented-object-updated'));
    expect(response.body.status).toBe('ignored');
    expect(t.app.get(BuildingIndex).buildings.size).toBe(0);
  });

  // At debug, with their filters: the start line (main.ts, startup-settings spec) names them at info.
  it('logs the discovered handlers at boot, at debug', async () => {
    const { t } = await apps.start({ LOG_LEVEL: 'debug' }, { recording: false, extensions: [BuildingIndexModule] });
    const line = t.logs.find((entry) => Array.isArray(entry.handlers));
    expect(line?.level).toBe('debug');
    expect(line?.handlers).toEqual(
      expect.arrayContaining([
        { handler: 'AuditLogHandler', events: ['*'] },
        { handler: 'BuildingIndexHandler', events: ['object.created', 'object.updated', 'object.deleted'], register: '5', schema: '12' },
      ]),
    );
  });

  it('awaits every handler of an event and reports every failure, not just the first', async () => {
    const ran: string[] = [];
    @Injectable()
    @OnWebhookEvent('object.*')
    class FailingA {
      async handle() {
        ran.push('A');
        throw new Error('GIS is down');
      }
    }
    @Injectable()
    @OnWebhookEvent('object.created')
    class FailingB {
      handle() {
        ran.push('B');
        throw new Error('CRM refused');
      }
    }
    @Injectable()
    @OnWebhookEvent('object.created')
    class Succeeding {
      async handle(event: OpenRegisterEvent) {
        // Finishes only after both others have failed: the failures must not end the dispatch early.
        await waitFor(() => ran.includes('A') && ran.includes('B'), { timeoutInMs: 5_000, what: 'the failing handlers to run' });
        ran.push(`C:${event.type}`);
      }
    }
    @Module({ providers: [FailingA, FailingB, Succeeding] })
    class Handlers {}
    const { t } = await apps.start({}, { recording: false, extensions: [Handlers] });

    const response = await t.send(loadFixture('openregister-object-created'));

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ error: 'handler_failed', deliveryId: expect.any(String) });
    expect(response.body.details).toEqual(expect.arrayContaining(['FailingA: GIS is down', 'FailingB: CRM refused']));
    expect(ran.sort()).toEqual(['A', 'B', 'C:object.created']);
    const metrics = await t.metrics();
    expect(metricValue(metrics, 'webhook_deliveries_total', { event: 'object.created', outcome: 'failed' })).toBe(1);
    expect(metricValue(metrics, 'webhook_handler_runs_total', { handler: 'FailingB', outcome: 'failure' })).toBe(1);
    expect(metricValue(metrics, 'webhook_handler_runs_total', { handler: 'Succeeding', outcome: 'success' })).toBe(1);
  });

  it('cuts off a handler that hangs after HANDLER_TIMEOUT_MS', async () => {
    @Injectable()
    @OnWebhookEvent('object.created')
    class Hanging {
      handle() {
        return new Promise<void>(() => undefined);
      }
    }
    @Module({ providers: [Hanging] })
    class Handlers {}
    const { t } = await apps.start({ HANDLER_TIMEOUT_MS: '50' }, { recording: false, extensions: [Handlers] });
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.status).toBe(500);
    expect(response.body.details).toEqual(['Hanging: timed out after 50 ms']);
    expect(metricValue(await t.metrics(), 'webhook_handler_runs_total', { handler: 'Hanging', outcome: 'timeout' })).toBe(1);
  });

  it('aborts the signal of a handler that runs past HANDLER_TIMEOUT_MS, so it can stop its own calls', async () => {
    const sawAbort: unknown[] = [];
    @Injectable()
    @OnWebhookEvent('object.created')
    class WaitsForItsSignal {
      async handle(_event: OpenRegisterEvent, { signal }: DeliveryContext) {
        // As a fetch given the signal would: the wait ends when the signal aborts, and only then.
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        sawAbort.push(signal.reason);
      }
    }
    @Module({ providers: [WaitsForItsSignal] })
    class Handlers {}
    const { t } = await apps.start({ HANDLER_TIMEOUT_MS: '50' }, { recording: false, extensions: [Handlers] });

    const response = await t.send(loadFixture('openregister-object-created'));

    expect(response.status).toBe(500);
    expect(response.body.details).toEqual(['WaitsForItsSignal: timed out after 50 ms']);
    await waitFor(() => sawAbort.length === 1, { timeoutInMs: 5_000, what: 'the handler to see its signal abort' });
    expect(sawAbort).toEqual([expect.objectContaining({ message: 'timed out after 50 ms' })]);
  });

  it.each([
    ['a handler without handle()', () => {
      @Injectable()
      @OnWebhookEvent('object.created')
      class NoHandle {}
      return NoHandle;
    }, /has no handle\(event\) method/],
    ['a malformed event type', () => {
      @Injectable()
      @OnWebhookEvent('object created!')
      class BadType {
        handle() {}
      }
      return BadType;
    }, /^Webhook handler BadType: @OnWebhookEvent\("object created!"\): "object created!" is not an event type/],
    ['a misspelt event type', () => {
      @Injectable()
      @OnWebhookEvent(['object.updated', 'object.create'])
      class Misspelt {
        handle() {}
      }
      return Misspelt;
    }, /^Webhook handler Misspelt: @OnWebhookEvent\("object.updated", "object.create"\): "object.create" is not an event type the service delivers; did you mean "object.created"/],
    ['no event type at all', () => {
      @Injectable()
      @OnWebhookEvent([])
      class NoType {
        handle() {}
      }
      return NoType;
    }, /names no event type/],
  ])('fails the boot on %s', async (_name, makeHandler, message) => {
    @Module({ providers: [makeHandler()] })
    class Handlers {}
    await expect(apps.start({}, { recording: false, extensions: [Handlers] })).rejects.toThrow(message);
  });

  it('hands Nextcloud events that are not OpenRegister\'s to handlers under their class', async () => {
    const { t, handled } = await apps.start();
    await t.send(loadFixture('nextcloud-node-created'));
    const [{ event }] = handled.received;
    expect(event).toMatchObject({
      type: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent',
      format: 'nextcloud',
      occurredAt: new Date(1772442927 * 1000).toISOString(),
      user: { uid: 'admin', displayName: 'Administrator' },
      payload: { node: { id: 437, path: '/admin/files/Reports/q1.pdf' } },
    });
  });
});
