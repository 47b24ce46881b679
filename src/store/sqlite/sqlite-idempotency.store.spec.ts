import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './sqlite-database.js';
import { SqliteIdempotencyStore } from './sqlite-idempotency.store.js';

describe('SqliteIdempotencyStore', () => {
  let dir: string;
  let db: Database.Database;
  let now = 1_000_000;
  const open = () => new SqliteIdempotencyStore(db, 60, () => now);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orw-idem-'));
    db = openDatabase(dir);
  });
  afterEach(() => {
    db.close();
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
    db.close();
    db = openDatabase(dir);
    const after = open();
    expect(await after.claim('done')).toBe('done');
    expect(await after.claim('interrupted')).toBe('claimed');
  });
});
