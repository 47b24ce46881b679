import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import type { ClaimedDelivery, DeliveryAttempt } from '../delivery-store.js';
import { DATABASE_FILE, openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';

/** The claim of a delivery by its id: all the SQLite adapter reads of it. */
const claimOf = (id: string) => ({ id, lease: id }) as ClaimedDelivery;

const NOW = 1_780_000_000_000;
const SUCCEEDED: DeliveryAttempt = { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' };

const event = (uuid: string): OpenRegisterEvent => ({
  type: 'object.updated',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  format: 'openregister',
  occurredAt: new Date(NOW).toISOString(),
  object: { uuid, data: { title: uuid }, meta: {} },
});

/** Finished attempts are held back and written together; the event object is handed over in memory. */
describe('SqliteDeliveryStore: held-back writes and the event handoff', () => {
  let dir: string;
  let store: SqliteDeliveryStore;
  let seq = 0;
  /** What another connection (a crash's survivor) sees in the file. */
  const statusOnDisk = (id: string) => {
    const reader = new Database(join(dir, DATABASE_FILE), { readonly: true });
    try {
      return (reader.prepare('SELECT status FROM deliveries WHERE id = ?').get(id) as { status: string }).status;
    } finally {
      reader.close();
    }
  };
  const enqueue = async (uuid: string, stored = event(uuid)) => {
    const id = `d-${++seq}`;
    await store.enqueue({ id, idempotencyKey: id, event: stored, acceptedAt: NOW });
    return id;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-held-'));
    store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds: 60 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes finished attempts with the next claim, in one transaction, so an object\'s next delivery is claimable at once', async () => {
    const first = await enqueue('a');
    const second = await enqueue('a');
    await enqueue('b');
    expect((await store.claimDue(10, NOW)).map((delivery) => delivery.event.object?.uuid)).toEqual(['a', 'b']);
    await store.finishAttempt(claimOf(first), SUCCEEDED, { status: 'succeeded' });
    expect(statusOnDisk(first)).toBe('processing');
    expect((await store.claimDue(10, NOW)).map((delivery) => delivery.id)).toEqual([second]);
    expect(statusOnDisk(first)).toBe('succeeded');
  });

  it('writes them at the end of the turn when no claim comes first', async () => {
    const id = await enqueue('a');
    await store.claimDue(1, NOW);
    await store.finishAttempt(claimOf(id), SUCCEEDED, { status: 'succeeded' });
    await nextTurn();
    expect(statusOnDisk(id)).toBe('succeeded');
  });

  it('writes them before answering a read, and before closing', async () => {
    const read = await enqueue('a');
    const closed = await enqueue('b');
    await store.claimDue(10, NOW);
    await store.finishAttempt(claimOf(read), SUCCEEDED, { status: 'succeeded' });
    expect(await store.get(read)).toMatchObject({ status: 'succeeded', history: [{ attempt: 1, outcome: 'succeeded' }] });
    await store.finishAttempt(claimOf(closed), { ...SUCCEEDED, outcome: 'failed', error: 'down' }, { status: 'dead' });
    await store.close();
    expect(statusOnDisk(closed)).toBe('dead');
    await expect(store.finishAttempt(claimOf(closed), SUCCEEDED, { status: 'succeeded' })).rejects.toThrow('closed');
  });

  it('reports held-back attempts it could not write, which leaves their deliveries to run again', async () => {
    const lost: string[][] = [];
    await store.close();
    const db = openDatabase(dir);
    db.exec(`CREATE TRIGGER refuse_dead BEFORE UPDATE ON deliveries WHEN NEW.status = 'dead' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60, onUnrecordedAttempts: (_, ids) => lost.push(ids) });
    const atTurnEnd = await enqueue('a');
    const withClaim = await enqueue('b');
    await store.claimDue(10, NOW);
    await store.finishAttempt(claimOf(atTurnEnd), SUCCEEDED, { status: 'dead' });
    await nextTurn();
    await store.finishAttempt(claimOf(withClaim), SUCCEEDED, { status: 'dead' });
    // Not `.rejects.toThrow`: the SqliteError class may come from another realm (see sqlite-idempotency.store.spec.ts).
    await expect(store.claimDue(10, NOW)).rejects.toMatchObject({ message: expect.stringContaining('disk full') });
    expect(lost).toEqual([[atTurnEnd], [withClaim]]);
    expect(await store.counts()).toMatchObject({ processing: 2, dead: 0 });
  });

  it('puts released deliveries back in the queue as they were', async () => {
    const id = await enqueue('a');
    await store.claimDue(1, NOW);
    await store.release([claimOf(id)]);
    expect(await store.counts()).toMatchObject({ queued: 1, processing: 0 });
    expect((await store.claimDue(1, NOW))).toMatchObject([{ id, attempts: 0 }]);
  });

  it('hands the claim the very event object it stored, and parses the row when it holds none', async () => {
    const stored = event('a');
    const id = await enqueue('a', stored);
    const [claimed] = (await store.claimDue(1, NOW));
    expect(claimed.event).toBe(stored);
    await store.finishAttempt(claimOf(id), { ...SUCCEEDED, outcome: 'failed', error: 'x' }, { status: 'queued', nextAttemptAt: NOW });
    const [retried] = (await store.claimDue(1, NOW));
    expect(retried.event).not.toBe(stored);
    expect(retried.event).toEqual(stored);
  });

  it('parses what an earlier process stored', async () => {
    await enqueue('a');
    await store.close();
    store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds: 60 });
    expect((await store.claimDue(1, NOW))[0].event).toEqual(event('a'));
  });
});
