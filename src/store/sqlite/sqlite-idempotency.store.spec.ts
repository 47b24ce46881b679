import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openDatabase } from './sqlite-database.js';
import { SqliteIdempotencyStore, type SqliteIdempotencyOptions } from './sqlite-idempotency.store.js';

describe('SqliteIdempotencyStore', () => {
  let dir: string;
  let db: Database.Database;
  let now = 1_000_000;
  const open = (options: Partial<SqliteIdempotencyOptions> = {}) => new SqliteIdempotencyStore(db, { ttlInSeconds: 60, now: () => now, ...options });
  /** The key's row as written, read on the store's own connection. */
  const stored = (key: string) => db.prepare(`SELECT state FROM idempotency_keys WHERE key = ?`).pluck().get(key);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-idem-'));
    db = openDatabase(dir);
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('claims a key once, then answers in-progress, then done', async () => {
    const store = open();
    expect(await store.claim('k')).toBe('claimed');
    expect(await store.claim('k')).toBe('in-progress');
    await store.complete('k');
    expect(await store.claim('k')).toBe('done');
  });

  it('forgets a released key and an expired one', async () => {
    const store = open();
    await store.claim('k');
    await store.release('k');
    expect(await store.claim('k')).toBe('claimed');
    await store.complete('k');
    now += 61_000;
    expect(await store.claim('k')).toBe('claimed');
  });

  it('keeps done keys across a restart but drops claims a dead process left in progress', async () => {
    const before = open();
    await before.claim('done');
    await before.complete('done');
    await before.claim('interrupted');
    before.close();
    db.close();
    db = openDatabase(dir);
    const after = open();
    expect(await after.claim('done')).toBe('done');
    expect(await after.claim('interrupted')).toBe('claimed');
  });

  describe('writing once per turn', () => {
    it('writes the claims of one turn together at its end, answering as one-by-one statements would', async () => {
      const store = open();
      const answers = Promise.all([store.claim('a'), store.claim('b'), store.claim('a'), store.claim('a')]);
      expect(stored('a')).toBeUndefined();
      expect(await answers).toEqual(['claimed', 'claimed', 'in-progress', 'in-progress']);
      expect([stored('a'), stored('b')]).toEqual(['in-progress', 'in-progress']);
    });

    it('answers done to a claim after a completion not yet written', async () => {
      const store = open();
      await store.claim('k');
      await store.complete('k');
      expect(stored('k')).toBe('in-progress');
      expect(await store.claim('k')).toBe('done');
      expect(stored('k')).toBe('done');
    });

    it('answers in-progress to a claim made before a completion in the same turn', async () => {
      const store = open();
      await store.claim('k');
      const racing = store.claim('k');
      await store.complete('k');
      expect(await racing).toBe('in-progress');
      expect(stored('k')).toBe('done');
    });

    it('hands a released key to the next claim, in the same turn or a later one', async () => {
      const store = open();
      await store.claim('k');
      await store.release('k');
      expect(await store.claim('k')).toBe('claimed');
      await store.release('k');
      await nextTurn();
      expect(stored('k')).toBeUndefined();
    });

    it('writes completions and releases at the end of the turn without waiting for a claim', async () => {
      const store = open();
      await Promise.all([store.claim('done'), store.claim('released')]);
      await store.complete('done');
      await store.release('released');
      await nextTurn();
      expect([stored('done'), stored('released')]).toEqual(['done', undefined]);
    });

    it('writes what it holds back at close, and refuses calls once the database is closed', async () => {
      const store = open();
      await store.claim('k');
      await store.complete('k');
      const pendingClaim = store.claim('other');
      store.close();
      expect(stored('k')).toBe('done');
      expect(await pendingClaim).toBe('claimed');
      db.close();
      await expect(store.claim('k')).rejects.toThrow('closed');
      await expect(store.complete('k')).rejects.toThrow('closed');
    });

    it('fails the claims of a turn whose write fails but still records its completions', async () => {
      const unwritten: string[][] = [];
      const store = open({ onUnwrittenSettlements: (_error, keys) => unwritten.push(keys) });
      await store.claim('finished');
      db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON idempotency_keys WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      await store.complete('finished');
      const poisoned = store.claim('poison');
      // Not `.rejects.toThrow`: better-sqlite3 hands its native addon the SqliteError class of the
      // first spec file of this Jest worker that loads it, so in later files the error is of
      // another realm, which `.rejects.toThrow` does not take for an Error ("did not throw").
      await expect(poisoned).rejects.toMatchObject({ message: expect.stringContaining('refused') });
      expect(stored('finished')).toBe('done');
      expect(unwritten).toEqual([]);
    });

    it('reports completions it could not write at all', async () => {
      const unwritten: string[][] = [];
      const store = open({ onUnwrittenSettlements: (_error, keys) => unwritten.push(keys) });
      await store.claim('k');
      db.exec(`CREATE TRIGGER refuse_all BEFORE UPDATE ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      await store.complete('k');
      await nextTurn();
      expect(unwritten).toEqual([['k']]);
    });
  });
});
