import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type Database from 'better-sqlite3';
import { fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteDeliveryStore } from './sqlite-delivery.store.js';
import { WalSync } from './wal-sync.js';
import { waitFor } from '../../../test/support/wait-for.js';

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

  it('resolves only after the disk sync of the log has finished', async () => {
    const walPath = `${db.name}-wal`;
    const synced: number[] = [];
    let finishDiskSync!: () => void;
    const wal = new WalSync(walPath, (fd) => {
      synced.push(fstatSync(fd).ino);
      return new Promise<void>((resolve) => (finishDiskSync = resolve));
    });
    let resolved = false;
    const sync = wal.sync().then(() => (resolved = true));
    // Let every promise that does not wait for the disk settle: sync() must still be pending.
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(synced).toEqual([statSync(walPath).ino]);
    expect(resolved).toBe(false);
    finishDiskSync();
    await sync;
    expect(resolved).toBe(true);
    wal.close();
  });

  it('passes a failed disk sync on to the caller', async () => {
    const wal = new WalSync(`${db.name}-wal`, () => Promise.reject(new Error('EIO: i/o error, fdatasync')));
    await expect(wal.sync()).rejects.toThrow(/EIO/);
    wal.close();
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

  it('lets a running sync finish before it closes the descriptor', async () => {
    const wal = new WalSync(`${db.name}-wal`);
    const running = wal.sync();
    wal.close();
    await expect(running).resolves.toBeUndefined();
  });

  it('holds the inbox acknowledgement until the log is synced', async () => {
    let release: (() => void) | undefined;
    jest.spyOn(WalSync.prototype, 'sync').mockImplementation(() => new Promise<void>((resolve) => (release = resolve)));
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    let answered = false;
    const accepted = store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: EVENT, acceptedAt: 1 }).then((result) => ((answered = true), result));
    // The write reached the sync, which is held: the acknowledgement must wait for it.
    await waitFor(() => release !== undefined, { timeoutInMs: 5_000, what: 'the write to ask for a sync' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release!();
    await expect(accepted).resolves.toEqual({ status: 'accepted' });
    await store.close();
  });

  it('answers 503-worthy errors, not acceptance, when the sync fails', async () => {
    jest.spyOn(WalSync.prototype, 'sync').mockRejectedValue(new Error('EIO: i/o error, fdatasync'));
    const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 60 });
    await expect(store.enqueue({ id: 'd-1', idempotencyKey: 'k-1', event: EVENT, acceptedAt: 1 })).rejects.toThrow(/EIO/);
    await store.close();
  });
});
