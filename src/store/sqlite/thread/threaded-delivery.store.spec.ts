import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../../../test/support/wait-for.js';
import { describeDeliveryStoreContract, event } from '../../delivery-store.contract.js';
import { ThreadedDeliveryStore, type ThreadedDeliveryStoreOptions } from './threaded-delivery.store.js';

// The thread runs the build (storeThreadScript): `npm test` builds first.
const start = (dataDir: string, options: Partial<ThreadedDeliveryStoreOptions> = {}) =>
  ThreadedDeliveryStore.start({ dataDir, idempotencyTtlInSeconds: 60, groupCommit: true, now: () => Date.now(), ...options });

describeDeliveryStoreContract('sqlite on its own thread', {
  durable: true,
  async open({ idempotencyTtlInSeconds }) {
    const dir = mkdtempSync(join(tmpdir(), 'orw-thread-contract-'));
    let store = await start(dir, { idempotencyTtlInSeconds });
    const reopen = async () => {
      await store.close();
      return (store = await start(dir, { idempotencyTtlInSeconds }));
    };
    return {
      store,
      reopen,
      // As for SQLite on the event loop: claims are on disk at once; closing writes nothing more of them.
      crash: reopen,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

/** What the thread adds to the SQLite adapter: the crossing itself. */
describe('ThreadedDeliveryStore', () => {
  const NOW = 1_780_000_000_000;
  let dir: string;
  let store: ThreadedDeliveryStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-thread-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps an event exactly as given across the thread, bigints and nesting included', async () => {
    store = await start(dir);
    const sent = event('a', 'object.created', { id: 9223372036854775807n, nested: { list: [1, 'two', null, { deep: true }] } });
    await store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: sent, acceptedAt: NOW });
    const [claimed] = await store.claimDue(10, NOW);
    expect(claimed.event).toEqual(sent);
    expect((claimed.event.object?.data as { id: unknown }).id).toBe(9223372036854775807n);
  });

  it('tells its wake listeners once a delivery is stored, not for a duplicate', async () => {
    store = await start(dir);
    let wakes = 0;
    store.onWake(() => wakes++);
    await store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: event('a'), acceptedAt: NOW });
    await waitFor(() => wakes === 1, { timeoutInMs: 5_000, what: 'a wake-up' });
    expect(await store.enqueue({ id: 'd-2', idempotencyKey: 'k-1', event: event('a'), acceptedAt: NOW })).toEqual({ status: 'duplicate', originalDeliveryId: 'd-1' });
    await store.counts(); // one more round trip: a wake for the duplicate would have come with it
    expect(wakes).toBe(1);
  });

  it("reads the time through the caller's clock: keys expire on it, not on the thread's", async () => {
    let now = NOW;
    store = await start(dir, { idempotencyTtlInSeconds: 60, now: () => now });
    await store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: event('a'), acceptedAt: NOW });
    const [claim] = await store.claimDue(1, NOW);
    await store.finishAttempt(claim, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'succeeded' }, { status: 'succeeded' });
    // The thread's own clock (today) is long past the key's expiry; the caller's is not, then is.
    now = NOW + 30_000;
    await store.deleteFinishedBefore(NOW + 1);
    expect(await store.enqueue({ id: 'd-2', idempotencyKey: 'k-1', event: event('a'), acceptedAt: now })).toEqual({ status: 'duplicate', originalDeliveryId: 'd-1' });
    now = NOW + 61_000;
    await store.deleteFinishedBefore(NOW + 1);
    expect(await store.enqueue({ id: 'd-3', idempotencyKey: 'k-1', event: event('a'), acceptedAt: now })).toEqual({ status: 'accepted' });
  });

  it('answers a rejected call with its error, message and class as the adapter threw them, and goes on', async () => {
    store = await start(dir);
    await store.close();
    await expect(store.counts()).rejects.toThrow(new TypeError('The delivery store is closed'));
    store = await start(dir);
    await expect(store.checkWritable()).resolves.toBeUndefined();
  });

  it('refuses every call once its thread has stopped unasked, and says so once', async () => {
    const stopped: Error[] = [];
    let closed = 0;
    store = await start(dir, { onStopped: (error) => stopped.push(error), onClosed: () => closed++ });
    await (store as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await waitFor(() => stopped.length === 1, { timeoutInMs: 5_000, what: 'the stop to be told' });
    await expect(store.checkWritable()).rejects.toThrow("The delivery store's thread exited (code 1)");
    await expect(store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: event('a'), acceptedAt: NOW })).rejects.toThrow('thread exited');
    expect(stopped).toHaveLength(1);
    // Nothing left to close on the thread, but the event loop's connection still closes after it.
    await store.close();
    expect(closed).toBe(1);
  });

  it('fails to start with the reason when the database cannot be opened', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expect(start(join(dir, 'file', 'data'))).rejects.toThrow(`DATA_DIR=${join(dir, 'file', 'data')}: ${join(dir, 'file')} exists and is not a directory`);
  });

  // The stand-in reads how to fail from its DATA_DIR.
  const startFake = (behaviour: 'exit-at-start' | 'throw-on-call' | 'unrecorded', options: Partial<ThreadedDeliveryStoreOptions> = {}) =>
    start(behaviour, { script: new URL('../../../../test/support/fake-store-thread.mjs', import.meta.url), ...options });

  it('fails to start with the exit code of a thread that exits before it opened, and reports no stop', async () => {
    const stopped: Error[] = [];
    await expect(startFake('exit-at-start', { onStopped: (error) => stopped.push(error) })).rejects.toThrow("The delivery store's thread exited at start (code 3)");
    expect(stopped).toEqual([]);
  });

  it("rejects what was asked with the thread's own error when it throws, and every call after; told once", async () => {
    const stopped: Error[] = [];
    store = await startFake('throw-on-call', { onStopped: (error) => stopped.push(error) });
    await expect(store.counts()).rejects.toThrow('the thread broke');
    await waitFor(() => stopped.length > 0, { timeoutInMs: 5_000, what: 'the stop to be told' });
    await expect(store.checkWritable()).rejects.toThrow('the thread broke');
    expect(stopped.map((error) => error.message)).toEqual(['the thread broke']);
  });

  it('hands attempts the thread could not write to onUnrecordedAttempts, or to a process warning', async () => {
    const told: [Error, string[]][] = [];
    store = await startFake('unrecorded', { onUnrecordedAttempts: (error, ids) => told.push([error, ids]) });
    await store.counts();
    expect(told).toHaveLength(1);
    expect(told[0][0]).toMatchObject({ name: 'SqliteError', message: 'disk I/O error', code: 'SQLITE_IOERR' });
    expect(told[0][1]).toEqual(['d-1']);
    await store.close();
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      store = await startFake('unrecorded');
      await store.counts();
      expect(emitWarning.mock.calls).toEqual([['Could not record the attempts of d-1: disk I/O error']]);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('refuses a call made while it closes, as a closed store does', async () => {
    store = await start(dir);
    const closing = store.close();
    await expect(store.counts()).rejects.toThrow(new TypeError('The delivery store is closed'));
    await closing;
  });

  it('fails to start with the reason when its script is missing', async () => {
    await expect(start(dir, { script: new URL('file:///nonexistent/delivery-store.worker.js') })).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  });

  it('closes the database on its thread first, then calls onClosed once', async () => {
    let closed = 0;
    store = await start(dir, { onClosed: () => closed++ });
    await store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: event('a'), acceptedAt: NOW });
    expect(existsSync(join(dir, 'openregister-webhooks.sqlite-wal'))).toBe(true);
    await store.close();
    await store.close();
    expect(closed).toBe(1);
    // The last connection closed cleanly (a thread ended without closing would leave its log).
    expect(existsSync(join(dir, 'openregister-webhooks.sqlite-wal'))).toBe(false);
    store = await start(dir);
    expect((await store.counts()).queued).toBe(1);
  });
});
