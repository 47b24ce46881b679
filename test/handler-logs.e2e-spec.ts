import { Injectable, Module } from '@nestjs/common';
import { describe, expect, it, jest } from '@jest/globals';
import type { Logger } from 'pino';
import { OnWebhookEvent, type DeliveryContext, type OpenRegisterEvent } from '../src/handlers/index.js';
import { PINO_LOGGER } from '../src/logging/logger.js';
import { loadFixture } from './support/fixtures.js';
import { waitFor } from './support/wait-for.js';
import { useAppsPerTest } from './support/recording-app.js';
import type { TestApp } from './support/test-app.js';

/** The run lines of one handler: every line that names it and an outcome. */
const runLines = (t: TestApp, handler: string) => t.logs.filter((line) => line.handler === handler && typeof line.outcome === 'string');

describe('each handler run is one log line', () => {
  const apps = useAppsPerTest();

  it('at LOG_LEVEL=debug: a debug line per run with handler, event, delivery id, attempt and duration', async () => {
    const { t } = await apps.start({ LOG_LEVEL: 'debug' });
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.body.status).toBe('processed');

    const expected = (handler: string) => ({
      level: 'debug',
      handler,
      event: 'object.created',
      deliveryId: response.body.deliveryId,
      attempt: 1,
      outcome: 'success',
      durationMs: expect.any(Number),
      msg: `Handler ${handler} ran`,
    });
    // The audit log handler runs on every event too: each handler gets its own line.
    expect(runLines(t, 'RecordingHandler')).toEqual([expect.objectContaining(expected('RecordingHandler'))]);
    expect(runLines(t, 'AuditLogHandler')).toEqual([expect.objectContaining(expected('AuditLogHandler'))]);
    expect(runLines(t, 'RecordingHandler')[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a failure is one warn line with the error, and no error line from the handler run', async () => {
    const { t, handled } = await apps.start({ LOG_LEVEL: 'debug' });
    handled.failWith = 'the index is down';
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.body).toMatchObject({ error: 'handler_failed' });

    expect(runLines(t, 'RecordingHandler')).toEqual([
      expect.objectContaining({
        level: 'warn',
        handler: 'RecordingHandler',
        event: 'object.created',
        deliveryId: response.body.deliveryId,
        attempt: 1,
        outcome: 'failure',
        durationMs: expect.any(Number),
        err: expect.objectContaining({ message: 'the index is down' }),
        msg: 'Handler RecordingHandler failed: the index is down',
      }),
    ]);
    expect(t.logs.filter((line) => line.level === 'error' && line.handler !== undefined)).toEqual([]);
  });

  it('in queued mode the lines carry each attempt: warn for the failed one, debug for the retry that succeeded', async () => {
    let failuresLeft = 1;
    @Injectable()
    @OnWebhookEvent('object.created')
    class FailsOnce {
      readonly attempts: number[] = [];
      handle(_event: OpenRegisterEvent, context: DeliveryContext) {
        this.attempts.push(context.attempt);
        if (failuresLeft-- > 0) throw new Error('not yet');
      }
    }
    @Module({ providers: [FailsOnce] })
    class Handlers {}
    const { t } = await apps.start({ LOG_LEVEL: 'debug', DELIVERY_MODE: 'queued', DELIVERY_BACKOFF_BASE_MS: '10', DELIVERY_BACKOFF_MAX_MS: '40' }, { recording: false, extensions: [Handlers] });
    const response = await t.send(loadFixture('openregister-object-created'));
    expect(response.status).toBe(202);
    await waitFor(() => runLines(t, 'FailsOnce').length === 2, { timeoutInMs: 20_000 });
    expect(runLines(t, 'FailsOnce').map(({ level, attempt, outcome, deliveryId }) => ({ level, attempt, outcome, deliveryId }))).toEqual([
      { level: 'warn', attempt: 1, outcome: 'failure', deliveryId: response.body.deliveryId },
      { level: 'debug', attempt: 2, outcome: 'success', deliveryId: response.body.deliveryId },
    ]);
  });

  it('at LOG_LEVEL=info: no run line, and the debug line is not even built', async () => {
    const { t, handled } = await apps.start({ LOG_LEVEL: 'info' });
    const debug = jest.spyOn(t.app.get<Logger>(PINO_LOGGER), 'debug');
    expect((await t.send(loadFixture('openregister-object-created'))).body.status).toBe('processed');
    expect(handled.received).toHaveLength(1);
    expect(runLines(t, 'RecordingHandler')).toEqual([]);
    // pino would drop it, but building it costs the request path an object per handler run.
    expect(debug.mock.calls.filter(([fields]) => (fields as { handler?: string } | undefined)?.handler !== undefined)).toEqual([]);
  });
});
