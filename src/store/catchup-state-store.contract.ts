import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { CatchupStateStore } from './catchup-state.store.js';

/** What an adapter's spec hands the contract: a fresh, empty store and its lease clock. */
export interface CatchupStateStoreHarness {
  store: CatchupStateStore;
  /** The lease clock's time (ms): the adapter's movable clock, or the wall clock where the database keeps time. */
  now(): number;
  /** Lets `ms` pass on the lease clock: moves the adapter's clock, or waits where the database keeps time. */
  elapse(ms: number): Promise<void>;
  /** Closes the store and opens a new one on the same storage (durable adapters only). */
  reopen?(): Promise<CatchupStateStore>;
  /** Closes whatever is open and removes the storage. */
  dispose(): Promise<void>;
}

export interface CatchupStateStoreContractOptions {
  /** The storage outlives the store: the harness has `reopen`, and restarts are tested. */
  durable: boolean;
  open(): Promise<CatchupStateStoreHarness>;
}

/** Lapses within the contract's waits; short enough that waiting for it on a real clock is cheap. */
export const SHORT_LEASE_IN_MS = 300;
/** Never lapses during a case, however slow the machine. */
const LONG_LEASE_IN_MS = 60_000;
const POLL_IN_MS = 25;
const WAIT_AT_MOST_IN_MS = 5_000;

/** The behaviour every CatchupStateStore adapter promises: per-source checkpoints behind a fenced reader lease. */
export function describeCatchupStateStoreContract(adapter: string, options: CatchupStateStoreContractOptions): void {
  describe(`CatchupStateStore contract: ${adapter}`, () => {
    let harness: CatchupStateStoreHarness;
    let store: CatchupStateStore;

    /** Polls `condition` on the lease clock until it holds, for a bounded time. */
    async function waitUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
      const start = harness.now();
      while (!(await condition())) {
        if (harness.now() - start > WAIT_AT_MOST_IN_MS) throw new Error(`Timed out waiting for ${what}`);
        await harness.elapse(POLL_IN_MS);
      }
    }
    /** At least `SHORT_LEASE_IN_MS` passed since `since`, give or take the clocks' ms rounding. */
    const expectLapsedSince = (since: number) => expect(harness.now() - since).toBeGreaterThanOrEqual(SHORT_LEASE_IN_MS - 5);

    beforeEach(async () => {
      harness = await options.open();
      store = harness.store;
    });
    afterEach(() => harness.dispose());

    it('gives the lease to one owner and refuses it to another until it lapses', async () => {
      expect(await store.acquireLease('a', LONG_LEASE_IN_MS)).toBe(true);
      expect(await store.acquireLease('b', LONG_LEASE_IN_MS)).toBe(false);
      // Shortened by its holder, so that the case need not wait for the long one.
      const shortenedAt = harness.now();
      expect(await store.acquireLease('a', SHORT_LEASE_IN_MS)).toBe(true);
      await waitUntil(() => store.acquireLease('b', LONG_LEASE_IN_MS), 'the lease to lapse');
      expectLapsedSince(shortenedAt);
      expect(await store.acquireLease('a', LONG_LEASE_IN_MS)).toBe(false);
    });

    it('renews the lease for its holder, from the time of the renewal', async () => {
      expect(await store.acquireLease('a', SHORT_LEASE_IN_MS)).toBe(true);
      expect(await store.acquireLease('a', LONG_LEASE_IN_MS)).toBe(true);
      await harness.elapse(SHORT_LEASE_IN_MS + POLL_IN_MS);
      expect(await store.acquireLease('b', LONG_LEASE_IN_MS)).toBe(false);
      expect(await store.writeCheckpoint('feed', 'by-a', 'a')).toBe(true);
    });

    it('lets another owner take a released lease at once; only the holder releases it', async () => {
      await store.acquireLease('a', LONG_LEASE_IN_MS);
      await store.releaseLease('b');
      expect(await store.acquireLease('b', LONG_LEASE_IN_MS)).toBe(false);
      await store.releaseLease('a');
      expect(await store.writeCheckpoint('feed', 'late', 'a')).toBe(false);
      expect(await store.acquireLease('b', LONG_LEASE_IN_MS)).toBe(true);
      await store.releaseLease('a');
      expect(await store.acquireLease('a', LONG_LEASE_IN_MS)).toBe(false);
    });

    it('has no checkpoint at first, and keeps one per source', async () => {
      expect(await store.readCheckpoint('feed')).toBeUndefined();
      await store.acquireLease('a', LONG_LEASE_IN_MS);
      expect(await store.writeCheckpoint('feed', 'feed-1', 'a')).toBe(true);
      expect(await store.readCheckpoint('feed')).toBe('feed-1');
      expect(await store.readCheckpoint('audit-trail')).toBeUndefined();
      expect(await store.writeCheckpoint('audit-trail', '2026-06-01T00:00:00Z|ünïcode', 'a')).toBe(true);
      expect(await store.writeCheckpoint('feed', 'feed-2', 'a')).toBe(true);
      expect(await store.readCheckpoint('feed')).toBe('feed-2');
      expect(await store.readCheckpoint('audit-trail')).toBe('2026-06-01T00:00:00Z|ünïcode');
    });

    it('refuses a checkpoint from an owner without the lease, changing nothing', async () => {
      expect(await store.writeCheckpoint('feed', 'nobody-holds', 'a')).toBe(false);
      expect(await store.readCheckpoint('feed')).toBeUndefined();
      await store.acquireLease('a', LONG_LEASE_IN_MS);
      await store.writeCheckpoint('feed', 'by-a', 'a');
      expect(await store.writeCheckpoint('feed', 'by-b', 'b')).toBe(false);
      expect(await store.writeCheckpoint('audit-trail', 'by-b', 'b')).toBe(false);
      expect(await store.readCheckpoint('feed')).toBe('by-a');
      expect(await store.readCheckpoint('audit-trail')).toBeUndefined();
    });

    it('fences a holder whose lease lapsed, and then another took it', async () => {
      const takenAt = harness.now();
      expect(await store.acquireLease('a', SHORT_LEASE_IN_MS)).toBe(true);
      expect(await store.writeCheckpoint('feed', 'a-1', 'a')).toBe(true);
      // Lapsed, though no one took it yet: the stalled reader writes nothing already.
      await waitUntil(async () => !(await store.writeCheckpoint('feed', 'a-1', 'a')), 'the lease to lapse');
      expectLapsedSince(takenAt);
      expect(await store.acquireLease('b', LONG_LEASE_IN_MS)).toBe(true);
      expect(await store.writeCheckpoint('feed', 'a-2', 'a')).toBe(false);
      expect(await store.readCheckpoint('feed')).toBe('a-1');
      expect(await store.writeCheckpoint('feed', 'b-1', 'b')).toBe(true);
      expect(await store.acquireLease('a', SHORT_LEASE_IN_MS)).toBe(false);
      expect(await store.readCheckpoint('feed')).toBe('b-1');
    });

    if (!options.durable) return;

    it('keeps checkpoints and the lease across a reopen', async () => {
      await store.acquireLease('a', LONG_LEASE_IN_MS);
      await store.writeCheckpoint('feed', 'feed-1', 'a');
      await store.writeCheckpoint('audit-trail', 'audit-1', 'a');
      store = await harness.reopen!();
      expect(await store.readCheckpoint('feed')).toBe('feed-1');
      expect(await store.readCheckpoint('audit-trail')).toBe('audit-1');
      expect(await store.acquireLease('b', LONG_LEASE_IN_MS)).toBe(false);
      expect(await store.writeCheckpoint('feed', 'feed-2', 'a')).toBe(true);
    });
  });
}
