import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';
import { WalSync } from './wal-sync.js';

const EVENT: OpenRegisterEvent = {
  type: 'object.created',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent',
  format: 'openregister',
  occurredAt: new Date(0).toISOString(),
  object: { uuid: 'u-1', data: {}, meta: {} },
};

describe('WalSync', () => {
  let dir: string;
  let db: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-wal-'));
    db = openDatabase(dir);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the log of an open database, and refuses once closed', async () => {
    const wal = new WalSync(`${db.name}-wal`);
    await expect(wal.sync()).resolves.toBeUndefined();
    wal.close();
    await expect(wal.sync()).rejects.toThrow(/closed/);
  });

  it('follows the log to a new file when SQLite replaced it', async () => {
    const walPath = `${db.name}-wal`;
    const wal = new WalSync(walPath);
    await wal.sync();
    const before = (wal as unknown as { inode: number }).inode;
    expect(before).toBe(statSync(walPath).ino);
    db.close(); // the last connection removes the log ...
    db = openDatabase(dir); // ... and the next one makes a new file
    db.prepare('INSERT INTO store_health (id, checked_at) VALUES (1, 1)').run();
    await wal.sync();
    expect((wal as unknown as { inode: number }).inode).toBe(statSync(walPath).ino);
    wal.close();
  });

  it('runs one sync at a time: calls made while one runs share the next, which starts after it', async () => {
    const calls: (() => void)[] = [];
    const wal = new WalSync(`${db.name}-wal`, () => new Promise<void>((resolve) => calls.push(resolve)));
    const answered: string[] = [];
    const first = wal.sync().then(() => answered.push('first'));
    await new Promise((resolve) => setImmediate(resolve));
    const during = [wal.sync(), wal.sync(), wal.sync()].map((sync, index) => sync.then(() => answered.push(`during-${index}`)));
    await new Promise((resolve) => setImmediate(resolve));
    // The three must not ride on the first: it may have started before their commits.
    expect(calls).toHaveLength(1);
    calls[0]();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toEqual(['first']);
    expect(calls).toHaveLength(2);
    const afterStart = wal.sync().then(() => answered.push('after'));
    calls[1]();
    await Promise.all(during);
    expect(answered).toEqual(['first', 'during-0', 'during-1', 'during-2']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(3);
    calls[2]();
    await afterStart;
    wal.close();
  });

  it('does not let a failed sync fail the calls waiting for the next one', async () => {
    let call = 0;
    const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
    const wal = new WalSync(`${db.name}-wal`, () => new Promise<void>((resolve, reject) => (call++, pending.push({ resolve, reject }))));
    const failing = wal.sync();
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = wal.sync();
    pending[0].reject(new Error('EIO'));
    await expect(failing).rejects.toThrow('EIO');
    await new Promise((resolve) => setImmediate(resolve));
    pending[1].resolve();
    await expect(waiting).resolves.toBeUndefined();
    expect(call).toBe(2);
    wal.close();
  });

  it('still runs the sync that commits made before a close are waiting for', async () => {
    const calls: (() => void)[] = [];
    const wal = new WalSync(`${db.name}-wal`, () => new Promise<void>((resolve) => calls.push(resolve)));
    const first = wal.sync();
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = wal.sync();
    wal.close();
    await expect(wal.sync()).rejects.toThrow(/closed/);
    calls[0]();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);
    calls[1]();
    await expect(waiting).resolves.toBeUndefined();
    expect((wal as unknown as { fd?: number }).fd).toBeUndefined();
  });

  it('lets a running sync finish before it closes the descriptor', async () => {
    const wal = new WalSync(`${db.name}-wal`);
    const running = wal.sync();
    wal.close();
    await expect(running).resolves.toBeUndefined();
  });

  it('holds the inbox acknowledgement until the log is synced', async () => {
    let release!: () => void;
    jest.spyOn(WalSync.prototype, 'sync').mockImplementation(() => new Promise<void>((resolve) => (release = resolve)));
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    let answered = false;
    const accepted = store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: EVENT, acceptedAt: 1 }).then((result) => ((answered = true), result));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    release();
    await expect(accepted).resolves.toBe('accepted');
    store.close();
  });

  it('answers 503-worthy errors, not acceptance, when the sync fails', async () => {
    jest.spyOn(WalSync.prototype, 'sync').mockRejectedValue(new Error('EIO: i/o error, fdatasync'));
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    await expect(store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: EVENT, acceptedAt: 1 })).rejects.toThrow(/EIO/);
    store.close();
  });
});
