import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describeIdempotencyStoreContract, IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS } from '../../idempotency/idempotency-store.contract.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteIdempotencyStore, type SqliteIdempotencyOptions } from './sqlite-idempotency.store.js';

describeIdempotencyStoreContract('sqlite', true, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orw-idem-contract-'));
  const clock = { now: 1_000_000 };
  let db = openDatabase(dir);
  const open = () => new SqliteIdempotencyStore(db, { ttlInSeconds: IDEMPOTENCY_CONTRACT_TTL_IN_SECONDS, now: () => clock.now });
  let store = open();
  return {
    store,
    advance: (ms) => void (clock.now += ms),
    async restart() {
      await store.close();
      db.close();
      db = openDatabase(dir);
      return (store = open());
    },
    async dispose() {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** What the SQLite adapter does beyond the contract: one write per turn of the event loop. */
describe('SqliteIdempotencyStore', () => {
  let dir: string;
  let db: Database.Database;
  const now = 1_000_000;
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

  describe('writing once per turn', () => {
    it('writes the claims of one turn together at its end, answering as one-by-one statements would', async () => {
      const store = open();
      const answers = Promise.all([store.claim('a', 'delivery-a'), store.claim('b', 'delivery-b'), store.claim('a', 'delivery-a'), store.claim('a', 'delivery-a')]);
      expect(stored('a')).toBeUndefined();
      expect((await answers).map((answer) => answer.status)).toEqual(['claimed', 'claimed', 'in-progress', 'in-progress']);
      expect([stored('a'), stored('b')]).toEqual(['in-progress', 'in-progress']);
    });

    it('answers done to a claim after a completion not yet written', async () => {
      const store = open();
      await store.claim('k', 'delivery-k');
      await store.complete('k');
      expect(stored('k')).toBe('in-progress');
      expect((await store.claim('k', 'delivery-k')).status).toBe('done');
      expect(stored('k')).toBe('done');
    });

    it('answers in-progress to a claim made before a completion in the same turn', async () => {
      const store = open();
      await store.claim('k', 'delivery-k');
      const racing = store.claim('k', 'delivery-k');
      await store.complete('k');
      expect((await racing).status).toBe('in-progress');
      expect(stored('k')).toBe('done');
    });

    it('hands a released key to the next claim, in the same turn or a later one', async () => {
      const store = open();
      await store.claim('k', 'delivery-k');
      await store.release('k');
      expect((await store.claim('k', 'delivery-k')).status).toBe('claimed');
      await store.release('k');
      await nextTurn();
      expect(stored('k')).toBeUndefined();
    });

    it('writes completions and releases at the end of the turn without waiting for a claim', async () => {
      const store = open();
      await Promise.all([store.claim('done', 'delivery-done'), store.claim('released', 'delivery-released')]);
      await store.complete('done');
      await store.release('released');
      await nextTurn();
      expect([stored('done'), stored('released')]).toEqual(['done', undefined]);
    });

    it('writes what it holds back at close, and refuses calls once the database is closed', async () => {
      const store = open();
      await store.claim('k', 'delivery-k');
      await store.complete('k');
      const pendingClaim = store.claim('other', 'delivery-other');
      await store.close();
      expect(stored('k')).toBe('done');
      expect((await pendingClaim).status).toBe('claimed');
      db.close();
      await expect(store.claim('k', 'delivery-k')).rejects.toThrow('closed');
      await expect(store.complete('k')).rejects.toThrow('closed');
    });

    it('fails the claims of a turn whose write fails but still records its completions', async () => {
      const unwritten: string[][] = [];
      const store = open({ onUnwrittenSettlements: (_error, keys) => unwritten.push(keys) });
      await store.claim('finished', 'delivery-finished');
      db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON idempotency_keys WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      await store.complete('finished');
      const poisoned = store.claim('poison', 'delivery-poison');
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
      await store.claim('k', 'delivery-k');
      db.exec(`CREATE TRIGGER refuse_all BEFORE UPDATE ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      await store.complete('k');
      await nextTurn();
      expect(unwritten).toEqual([['k']]);
    });
  });
});
