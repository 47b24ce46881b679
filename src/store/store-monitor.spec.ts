import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { DeliveryStore } from './delivery-store.js';
import { StoreMonitor, type MonitorLog } from './store-monitor.js';
import { waitFor } from '../../test/support/wait-for.js';

/** A store whose writability and counts the test decides: it works, fails, or hangs. */
function fakeStore() {
  const state = { mode: 'up' as 'up' | 'down' | 'hang', countReads: 0 };
  const answer = <T>(value: T) =>
    state.mode === 'up' ? Promise.resolve(value) : state.mode === 'down' ? Promise.reject(new Error('connection refused')) : new Promise<T>(() => undefined);
  const store = {
    checkWritable: () => answer(undefined),
    counts: () => {
      state.countReads++;
      return answer({ queued: 3, processing: 1, succeeded: 10, dead: 2 });
    },
  } as unknown as DeliveryStore;
  return { store, state };
}

function recordingLog() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: object, msg: string) => void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  const log: MonitorLog = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
  return { log, lines, loud: () => lines.filter((line) => line.level !== 'debug') };
}

describe('StoreMonitor', () => {
  const monitors: StoreMonitor[] = [];
  const monitor = (log: MonitorLog, store: DeliveryStore, options: ConstructorParameters<typeof StoreMonitor>[1] = {}) => {
    const created = new StoreMonitor(log, { checkReuseInMs: 0, probeIntervalInMs: 0, ...options });
    created.watch(store);
    monitors.push(created);
    return created;
  };
  afterEach(() => {
    monitors.splice(0).forEach((created) => created.stop());
    jest.useRealTimers();
  });

  it('answers a check within its timeout when the store hangs, and counts that as down', async () => {
    const { store, state } = fakeStore();
    const { log } = recordingLog();
    const watched = monitor(log, store, { checkTimeoutInMs: 100 });
    expect(await watched.check()).toBe(true);
    state.mode = 'hang';
    const started = Date.now();
    expect(await watched.check()).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(watched.up).toBe(false);
    expect(watched.reason).toMatch(/no answer within 100 ms/);
  });

  it('logs one warning when the store goes, a reminder every reminderInMs while it stays gone, one info line when it is back', async () => {
    // The reminders' timer and the outage's length are on Jest's fake timers: moved, not waited for.
    jest.useFakeTimers();
    const { store, state } = fakeStore();
    const { log, loud } = recordingLog();
    const watched = monitor(log, store, { reminderInMs: 60_000 });
    const reminders = () => loud().filter((line) => line.msg === 'The delivery store is still unreachable');
    state.mode = 'down';
    for (let i = 0; i < 5; i++) expect(await watched.check()).toBe(false);
    watched.refused(new Error('connection refused'));
    watched.refused(new Error('connection refused'));
    watched.backgroundError(new Error('connection refused'), 'Could not renew delivery leases');
    await jest.advanceTimersByTimeAsync(60_000 - 1);
    expect(reminders()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(reminders().map((line) => line.fields)).toEqual([expect.objectContaining({ downForInMs: 60_000, refused: 2 })]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(reminders().map((line) => line.fields.downForInMs)).toEqual([60_000, 120_000]);
    state.mode = 'up';
    expect(await watched.check()).toBe(true);
    expect(await watched.check()).toBe(true);

    const lines = loud();
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { store: 'down', reason: 'connection refused' } });
    expect(lines[0].msg).toMatch(/cannot be reached/);
    expect(lines.filter((line) => line.msg.includes('cannot be reached'))).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'The delivery store is reachable again', fields: { store: 'up', downForInMs: 120_000, refused: 2 } });
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(1);
    // No reminder after the recovery.
    const count = loud().length;
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(loud()).toHaveLength(count);
  });

  it('passes background errors on as warnings while the store is otherwise fine', async () => {
    const { store } = fakeStore();
    const { log, loud } = recordingLog();
    const watched = monitor(log, store);
    watched.backgroundError(new Error('deadlock detected'), 'Could not renew delivery leases');
    await waitFor(() => loud().length > 0, { timeoutInMs: 3000 });
    expect(loud()).toEqual([expect.objectContaining({ level: 'warn', msg: 'Could not renew delivery leases' })]);
  });

  it('serves the last known counts at once, read in the background one read at a time, also while the store hangs', async () => {
    const { store, state } = fakeStore();
    const { log } = recordingLog();
    let now = 1_000_000;
    const watched = monitor(log, store, { countsMaxAgeInMs: 5000, now: () => now });
    // Read when the watch starts.
    await waitFor(() => watched.counts().counts !== undefined, { timeoutInMs: 5_000 });
    expect(watched.counts()).toEqual({ counts: { queued: 3, processing: 1, succeeded: 10, dead: 2 }, ageInSeconds: 0 });
    expect(state.countReads).toBe(1);

    state.mode = 'hang';
    now += 6000;
    expect(watched.counts()).toEqual({ counts: { queued: 3, processing: 1, succeeded: 10, dead: 2 }, ageInSeconds: 6 });
    expect(state.countReads).toBe(2);
    // The hung read is not started again by each call.
    now += 1000;
    expect(watched.counts().ageInSeconds).toBe(7);
    expect(state.countReads).toBe(2);
  });

  it('reads the counts again every countsMaxAgeInMs without being asked', async () => {
    const { store, state } = fakeStore();
    monitor(recordingLog().log, store, { countsMaxAgeInMs: 20 });
    await waitFor(() => state.countReads >= 3, { timeoutInMs: 5_000 });
  });

  it('knows no counts before the first read succeeds', async () => {
    const { store, state } = fakeStore();
    state.mode = 'down';
    const watched = monitor(recordingLog().log, store);
    await waitFor(() => state.countReads >= 1, { timeoutInMs: 5_000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(watched.counts()).toEqual({ counts: undefined, ageInSeconds: undefined });
  });

  it('probes in the background every probeIntervalInMs, so an outage is noticed without a probe or a scrape', async () => {
    jest.useFakeTimers();
    const { store, state } = fakeStore();
    const { log, loud } = recordingLog();
    const watched = monitor(log, store, { probeIntervalInMs: 2_000 });
    state.mode = 'down';
    await jest.advanceTimersByTimeAsync(2_000 - 1);
    expect(watched.up).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(watched.up).toBe(false);
    state.mode = 'up';
    await jest.advanceTimersByTimeAsync(2_000);
    expect(watched.up).toBe(true);
    expect(loud().map((line) => line.level)).toEqual(['warn', 'info']);
  });
});
