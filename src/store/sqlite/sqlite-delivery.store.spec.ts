import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';

const NOW = 1_780_000_000_000;

function event(uuid: string, type = 'object.updated', fields: Record<string, unknown> = {}): OpenRegisterEvent {
  return {
    type,
    eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
    format: 'openregister',
    occurredAt: new Date(NOW).toISOString(),
    object: { uuid, data: { title: 'x', ...fields }, meta: {} },
  };
}

describe('SqliteDeliveryStore', () => {
  let dir: string;
  let db: Database.Database;
  let store: SqliteDeliveryStore;
  let seq = 0;
  const enqueue = (uuid: string | undefined, key = `key-${seq + 1}`, at = NOW) =>
    store.enqueue({ id: `d-${++seq}`, idempotencyKey: key, event: uuid ? event(uuid) : { ...event('x'), object: undefined }, acceptedAt: at });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-store-'));
    db = openDatabase(dir);
    store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a new key once and answers duplicate for it afterwards, even in the same batch', async () => {
    const results = await Promise.all([enqueue('a', 'same'), enqueue('a', 'same'), enqueue('b', 'other')]);
    expect(results).toEqual(['accepted', 'duplicate', 'accepted']);
    expect(store.counts().queued).toBe(2);
  });

  it('forgets a key once it has expired', async () => {
    expect(await enqueue('a', 'k', NOW)).toBe('accepted');
    expect(await enqueue('a', 'k', NOW + 59_000)).toBe('duplicate');
    expect(await enqueue('a', 'k', NOW + 61_000)).toBe('accepted');
  });

  it('keeps what it acknowledged across a reopen of the file', async () => {
    await enqueue('a', 'k1');
    store.close();
    store = new SqliteDeliveryStore(openDatabase(dir), { idempotencyTtlInSeconds: 60 });
    expect(store.counts().queued).toBe(1);
    expect(await enqueue('a', 'k1')).toBe('duplicate');
  });

  it('hands out due deliveries oldest first, one at a time per object', async () => {
    await enqueue('a');
    await enqueue('a');
    await enqueue('b');
    await enqueue(undefined);
    const claimed = store.claimDue(10, NOW);
    expect(claimed.map((delivery) => delivery.event.object?.uuid ?? 'none')).toEqual(['a', 'b', 'none']);
    expect(claimed.every((delivery) => delivery.status === 'processing')).toBe(true);
    expect(store.claimDue(10, NOW)).toEqual([]);
    store.finishAttempt(claimed[0].id, { attempt: 1, startedAt: NOW, finishedAt: NOW + 1, outcome: 'succeeded' }, { status: 'succeeded' });
    expect(store.claimDue(10, NOW).map((delivery) => delivery.event.object?.uuid)).toEqual(['a']);
  });

  it('holds an object\'s later deliveries while an earlier one waits for its retry', async () => {
    await enqueue('a');
    await enqueue('a');
    const [first] = store.claimDue(1, NOW);
    store.finishAttempt(first.id, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'failed', error: 'x' }, { status: 'queued', nextAttemptAt: NOW + 1000 });
    expect(store.claimDue(10, NOW)).toEqual([]);
    expect(store.nextDueAt()).toBe(NOW + 1000);
    expect(store.claimDue(10, NOW + 1000).map((delivery) => delivery.id)).toEqual([first.id]);
  });

  it('does not let a dead letter block the object\'s later deliveries', async () => {
    await enqueue('a');
    await enqueue('a');
    const [first] = store.claimDue(1, NOW);
    store.finishAttempt(first.id, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'failed', error: 'boom' }, { status: 'dead' });
    expect(store.claimDue(10, NOW)).toHaveLength(1);
  });

  it('keeps every attempt in the history and replays a dead letter as a new series', async () => {
    await enqueue('a');
    const [delivery] = store.claimDue(1, NOW);
    store.finishAttempt(delivery.id, { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'failed', error: 'first' }, { status: 'dead' });
    expect(store.replay('unknown', NOW)).toBe(false);
    expect(store.replay(delivery.id, NOW + 10)).toBe(true);
    expect(store.replay(delivery.id, NOW + 10)).toBe(false);
    const [again] = store.claimDue(1, NOW + 10);
    expect(again).toMatchObject({ id: delivery.id, attempts: 1, seriesStart: 1 });
    store.finishAttempt(again.id, { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' }, { status: 'succeeded' });
    expect(store.get(delivery.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      completedAt: NOW + 11,
      history: [
        { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'failed', error: 'first' },
        { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' },
      ],
    });
  });

  it('requeues what a crash left processing', async () => {
    await enqueue('a');
    await enqueue('b');
    store.claimDue(10, NOW);
    expect(store.requeueInterrupted(NOW + 1)).toBe(2);
    expect(store.counts()).toMatchObject({ queued: 2, processing: 0 });
  });

  it('lists by status with paging, newest first', async () => {
    for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
    const page = store.list({ status: 'queued', limit: 2, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.items.map((delivery) => delivery.event.object?.uuid)).toEqual(['c', 'b']);
    expect(store.list({ status: 'dead', limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
  });

  it('prunes finished deliveries before a date, never queued ones', async () => {
    await enqueue('a');
    await enqueue('b');
    const [done] = store.claimDue(1, NOW);
    store.finishAttempt(done.id, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'succeeded' }, { status: 'succeeded' });
    expect(store.deleteFinishedBefore(NOW + 1)).toBe(1);
    expect(store.get(done.id)).toBeUndefined();
    expect(store.counts()).toMatchObject({ queued: 1, succeeded: 0 });
  });

  it('deletes the events of the deliveries it prunes, and no other', async () => {
    for (const uuid of ['a', 'b', 'c', 'd']) await enqueue(uuid);
    const [succeeded, dead, late] = store.claimDue(3, NOW);
    store.finishAttempt(succeeded.id, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'succeeded' }, { status: 'succeeded' });
    store.finishAttempt(dead.id, { attempt: 1, startedAt: NOW, finishedAt: NOW, outcome: 'failed', error: 'x' }, { status: 'dead' });
    store.finishAttempt(late.id, { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'succeeded' }, { status: 'succeeded' });
    expect(store.deleteFinishedBefore(NOW + 1)).toBe(2);
    const seqs = (table: string) => db.prepare(`SELECT seq FROM ${table} ORDER BY seq`).pluck().all();
    expect(seqs('delivery_events')).toEqual(seqs('deliveries'));
    expect(seqs('delivery_events')).toHaveLength(2);
    expect(store.get(late.id)?.event.object?.uuid).toBe('c');
    expect(store.list({ status: 'queued', limit: 10, offset: 0 }).items.map((delivery) => delivery.event.object?.uuid)).toEqual(['d']);
  });

  it('stores each event once, outside its deliveries row, and reads it back from there', async () => {
    await store.enqueue({ id: 'e', idempotencyKey: 'e', event: event('e', 'object.created', { size: 'x'.repeat(10_000) }), acceptedAt: NOW });
    expect(db.prepare(`SELECT event FROM deliveries`).pluck().all()).toEqual(['']);
    expect(JSON.parse(db.prepare(`SELECT event FROM delivery_events`).pluck().get() as string)).toMatchObject({ object: { uuid: 'e' } });
    store.close();
    // A new store has nothing in its handoff: the claim reads the event back.
    store = new SqliteDeliveryStore((db = openDatabase(dir)), { idempotencyTtlInSeconds: 60 });
    const [claimed] = store.claimDue(1, NOW);
    expect(claimed.event).toEqual(event('e', 'object.created', { size: 'x'.repeat(10_000) }));
    expect(store.get('e')?.event).toEqual(claimed.event);
  });

  it('keeps user fields, __proto__ included, through a round trip', async () => {
    const data = JSON.parse('{"title":"t","__proto__":{"polluted":true},"café":"é"}') as Record<string, unknown>;
    await store.enqueue({ id: 'p', idempotencyKey: 'p', event: { ...event('p'), object: { uuid: 'p', data, meta: {} } }, acceptedAt: NOW });
    const [claimed] = store.claimDue(1, NOW);
    expect(Object.getOwnPropertyDescriptor(claimed.event.object!.data, '__proto__')?.value).toEqual({ polluted: true });
    expect(claimed.event.object!.data['café']).toBe('é');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('says when it cannot be written', () => {
    expect(() => store.checkWritable()).not.toThrow();
    store.close();
    expect(() => store.checkWritable()).toThrow();
  });
});
