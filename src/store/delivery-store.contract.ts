import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { AttemptVerdict, ClaimedDelivery, DeliveryAttempt, DeliveryStore } from './delivery-store.js';
import { describeTakeoverContract } from './delivery-store-takeover.contract.js';
import { describeScrubbedEventContract } from './delivery-store-scrub.contract.js';
import { describeTraceparentContract } from './delivery-store-trace.contract.js';
import { waitFor } from '../../test/support/wait-for.js';
import { systemClock } from '../common/clock.js';

/** What an adapter's spec hands the contract: a fresh, empty store and ways to restart it. */
export interface DeliveryStoreHarness {
  store: DeliveryStore;
  /** Closes the store and opens a new one on the same storage (durable adapters only). */
  reopen?(): Promise<DeliveryStore>;
  /**
   * Abandons the store as a crash would (nothing more is written, nothing is released) and opens
   * a new one on the same storage, as the next process would (durable adapters only).
   */
  crash?(): Promise<DeliveryStore>;
  /** Closes whatever is open and removes the storage. */
  dispose(): Promise<void>;
}

export interface DeliveryStoreContractOptions {
  /** The storage outlives the store: the harness has `reopen` and `crash`, and restarts are tested. */
  durable: boolean;
  /** Opens a fresh, empty store; keys expire after `idempotencyTtlInSeconds`. */
  open(options: { idempotencyTtlInSeconds: number }): Promise<DeliveryStoreHarness>;
  /** How long the contract waits for a crashed process's claims to come due again. */
  crashResumeWithinMs?: number;
}

const NOW = 1_780_000_000_000;
const TTL_IN_SECONDS = 60;

export function event(uuid: string, type = 'object.updated', fields: Record<string, unknown> = {}): OpenRegisterEvent {
  return {
    type,
    eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
    format: 'openregister',
    occurredAt: new Date(NOW).toISOString(),
    object: { uuid, data: { title: 'x', ...fields }, meta: {} },
  };
}

const attempt = (number: number, at: number, error?: string): DeliveryAttempt =>
  error ? { attempt: number, startedAt: at, finishedAt: at + 1, outcome: 'failed', error } : { attempt: number, startedAt: at, finishedAt: at + 1, outcome: 'succeeded' };
const SUCCEEDED: AttemptVerdict = { status: 'succeeded' };

/**
 * The behaviour every DeliveryStore adapter promises, whatever it is built on. Each adapter's
 * spec calls this once; adapter-specific behaviour (files, batching, leases) is tested beside it.
 */
export function describeDeliveryStoreContract(adapter: string, options: DeliveryStoreContractOptions): void {
  describe(`DeliveryStore contract: ${adapter}`, () => {
    let harness: DeliveryStoreHarness;
    let store: DeliveryStore;
    let seq = 0;
    const enqueue = (uuid: string | undefined, key = `key-${seq + 1}`, at = NOW) =>
      store.enqueue({ id: `d-${++seq}`, idempotencyKey: key, event: uuid ? event(uuid) : { ...event('x'), object: undefined }, acceptedAt: at });
    const finish = (claim: ClaimedDelivery, verdict: AttemptVerdict = SUCCEEDED, at = NOW, error?: string) =>
      store.finishAttempt(claim, attempt(claim.attempts + 1, at, verdict.status === 'succeeded' ? undefined : (error ?? 'failed')), verdict);
    const uuids = (claims: ClaimedDelivery[]) => claims.map((claim) => claim.event.object?.uuid ?? 'none');

    beforeEach(async () => {
      harness = await options.open({ idempotencyTtlInSeconds: TTL_IN_SECONDS });
      store = harness.store;
    });
    afterEach(() => harness.dispose());

    describeScrubbedEventContract(() => store);
    describeTraceparentContract(() => store);

    it('accepts a key once and answers duplicate with the original delivery, even in the same batch', async () => {
      const results = await Promise.all([enqueue('a', 'same'), enqueue('a', 'same'), enqueue('b', 'other')]);
      const original = results[0].status === 'accepted' ? `d-${seq - 2}` : `d-${seq - 1}`;
      expect(results.map((result) => result.status).sort()).toEqual(['accepted', 'accepted', 'duplicate']);
      expect(results.find((result) => result.status === 'duplicate')).toEqual({ status: 'duplicate', originalDeliveryId: original });
      expect((await store.counts()).queued).toBe(2);
    });

    it('forgets a key once it has expired', async () => {
      expect(await enqueue('a', 'k', NOW)).toEqual({ status: 'accepted' });
      expect((await enqueue('a', 'k', NOW + 59_000)).status).toBe('duplicate');
      expect(await enqueue('a', 'k', NOW + 61_000)).toEqual({ status: 'accepted' });
    });

    it('hands out due deliveries oldest first, one at a time per object', async () => {
      await enqueue('a');
      await enqueue('a');
      await enqueue('b');
      await enqueue(undefined);
      const claimed = await store.claimDue(10, NOW);
      expect(uuids(claimed)).toEqual(['a', 'b', 'none']);
      expect(claimed.every((delivery) => delivery.status === 'processing' && typeof delivery.lease === 'string')).toBe(true);
      expect(await store.claimDue(10, NOW)).toEqual([]);
      await finish(claimed[0]);
      expect(uuids(await store.claimDue(10, NOW))).toEqual(['a']);
    });

    it('respects the limit and leaves the rest due', async () => {
      for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
      expect(uuids(await store.claimDue(2, NOW))).toEqual(['a', 'b']);
      expect(uuids(await store.claimDue(2, NOW))).toEqual(['c']);
    });

    it("holds an object's later deliveries while an earlier one waits for its retry", async () => {
      await enqueue('a');
      await enqueue('a');
      const [first] = await store.claimDue(1, NOW);
      await finish(first, { status: 'queued', nextAttemptAt: NOW + 1000 });
      expect(await store.claimDue(10, NOW)).toEqual([]);
      expect(await store.nextDueAt()).toBe(NOW + 1000);
      expect((await store.claimDue(10, NOW + 1000)).map((delivery) => delivery.id)).toEqual([first.id]);
    });

    it("does not let a dead letter block the object's later deliveries", async () => {
      await enqueue('a');
      await enqueue('a');
      const [first] = await store.claimDue(1, NOW);
      await finish(first, { status: 'dead' }, NOW, 'boom');
      expect(await store.claimDue(10, NOW)).toHaveLength(1);
    });

    it('keeps every attempt in the history and replays a dead letter as a new series', async () => {
      await enqueue('a');
      const [delivery] = await store.claimDue(1, NOW);
      await store.finishAttempt(delivery, { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'failed', error: 'first' }, { status: 'dead' });
      expect(await store.replay('unknown', NOW)).toBe(false);
      expect(await store.replay(delivery.id, NOW + 10)).toBe(true);
      expect(await store.replay(delivery.id, NOW + 10)).toBe(false);
      const [again] = await store.claimDue(1, NOW + 10);
      expect(again).toMatchObject({ id: delivery.id, attempts: 1, seriesStart: 1 });
      await store.finishAttempt(again, { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' }, SUCCEEDED);
      expect(await store.get(delivery.id)).toMatchObject({
        status: 'succeeded',
        attempts: 2,
        completedAt: NOW + 11,
        history: [
          { attempt: 1, startedAt: NOW, finishedAt: NOW + 5, outcome: 'failed', error: 'first' },
          { attempt: 2, startedAt: NOW + 10, finishedAt: NOW + 11, outcome: 'succeeded' },
        ],
      });
    });

    it('replays every dead letter at once', async () => {
      for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
      const claimed = await store.claimDue(3, NOW);
      await finish(claimed[0], { status: 'dead' });
      await finish(claimed[1], { status: 'dead' });
      await finish(claimed[2]);
      expect(await store.replayDead(NOW + 1)).toBe(2);
      expect(await store.counts()).toMatchObject({ queued: 2, dead: 0, succeeded: 1 });
    });

    it('wakes its listeners once what made deliveries due is stored: an accepted delivery, a replay, a bulk replay; never a duplicate or a replay that changed nothing', async () => {
      const wakes: number[] = [];
      let written = 0;
      store.onWake(() => wakes.push(written));
      expect(await enqueue('a', 'woken')).toEqual({ status: 'accepted' });
      written++;
      expect(wakes.length).toBeGreaterThanOrEqual(1);
      // Only after the write: a listener that claims at once must find the delivery.
      const [claimed] = await store.claimDue(1, NOW);
      expect(claimed?.event.object?.uuid).toBe('a');
      wakes.length = 0;
      await enqueue('a', 'woken');
      expect(wakes).toEqual([]);
      expect(await store.replay(claimed.id, NOW)).toBe(false);
      expect(await store.replayDead(NOW)).toBe(0);
      expect(wakes).toEqual([]);
      await finish(claimed, { status: 'dead' });
      expect(await store.replay(claimed.id, NOW + 1)).toBe(true);
      expect(wakes).toHaveLength(1);
      const [again] = await store.claimDue(1, NOW + 1);
      await finish(again, { status: 'dead' }, NOW + 1);
      expect(await store.replayDead(NOW + 2)).toBe(1);
      expect(wakes).toHaveLength(2);
    });

    it('starts a fresh retry series for each dead letter it replays at once, as a single replay does', async () => {
      await enqueue('a');
      const [first] = await store.claimDue(1, NOW);
      await store.finishAttempt(first, attempt(1, NOW, 'down'), { status: 'queued', nextAttemptAt: NOW });
      const [second] = await store.claimDue(1, NOW);
      await store.finishAttempt(second, attempt(2, NOW, 'down'), { status: 'dead' });
      expect(await store.replayDead(NOW + 10)).toBe(1);
      // The retry budget counts from seriesStart: the two failures before the replay are spent.
      expect(await store.claimDue(1, NOW + 10)).toMatchObject([{ id: first.id, attempts: 2, seriesStart: 2 }]);
    });

    it('gives released claims back to the queue unchanged', async () => {
      await enqueue('a');
      const claimed = await store.claimDue(1, NOW);
      await store.release(claimed);
      expect(await store.counts()).toMatchObject({ queued: 1, processing: 0 });
      expect(await store.claimDue(1, NOW)).toMatchObject([{ id: claimed[0].id, attempts: 0 }]);
    });

    it('lists by status with paging, newest first', async () => {
      for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
      const page = await store.list({ status: 'queued', limit: 2, offset: 0 });
      expect(page.total).toBe(3);
      expect(page.items.map((delivery) => delivery.event.object?.uuid)).toEqual(['c', 'b']);
      expect((await store.list({ limit: 2, offset: 2 })).items.map((delivery) => delivery.event.object?.uuid)).toEqual(['a']);
      expect(await store.list({ status: 'dead', limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
    });

    it('prunes finished deliveries before a date, never unfinished ones', async () => {
      for (const uuid of ['a', 'b', 'c', 'd']) await enqueue(uuid);
      const [succeeded, dead, late] = await store.claimDue(3, NOW);
      await finish(succeeded);
      await finish(dead, { status: 'dead' });
      await store.finishAttempt(late, attempt(1, NOW + 5), SUCCEEDED);
      expect(await store.deleteFinishedBefore(NOW + 2)).toBe(2);
      expect(await store.get(succeeded.id)).toBeUndefined();
      expect((await store.get(late.id))?.event.object?.uuid).toBe('c');
      expect(await store.counts()).toMatchObject({ queued: 1, succeeded: 1, dead: 0 });
    });

    it('counts every status exactly through claims, retries, finishes, replays and pruning', async () => {
      const counts = (queued: number, processing: number, succeeded: number, dead: number) => ({ queued, processing, succeeded, dead });
      expect(await store.counts()).toEqual(counts(0, 0, 0, 0));
      for (const uuid of ['a', 'b', 'c', 'd']) await enqueue(uuid);
      expect(await store.counts()).toEqual(counts(4, 0, 0, 0));
      const [a, b, c] = await store.claimDue(3, NOW);
      expect(await store.counts()).toEqual(counts(1, 3, 0, 0));
      await finish(a);
      await finish(b, { status: 'dead' });
      await finish(c, { status: 'queued', nextAttemptAt: NOW });
      expect(await store.counts()).toEqual(counts(2, 0, 1, 1));
      expect(await store.replay(a.id, NOW + 1)).toBe(true);
      expect(await store.counts()).toEqual(counts(3, 0, 0, 1));
      expect(await store.replayDead(NOW + 1)).toBe(1);
      expect(await store.counts()).toEqual(counts(4, 0, 0, 0));
      const all = await store.claimDue(10, NOW + 1);
      expect(all).toHaveLength(4);
      await Promise.all(all.map((claim, index) => finish(claim, index === 0 ? { status: 'dead' } : SUCCEEDED, NOW + 1)));
      expect(await store.counts()).toEqual(counts(0, 0, 3, 1));
      expect(await store.deleteFinishedBefore(NOW + 3)).toBe(4);
      expect(await store.counts()).toEqual(counts(0, 0, 0, 0));
    });

    it('keeps the event exactly, user fields and __proto__ included', async () => {
      const data = JSON.parse('{"title":"t","__proto__":{"polluted":true},"café":"é"}') as Record<string, unknown>;
      await store.enqueue({ id: 'p', idempotencyKey: 'p', event: { ...event('p'), object: { uuid: 'p', data, meta: {} } }, acceptedAt: NOW });
      const [claimed] = await store.claimDue(1, NOW);
      expect(Object.getOwnPropertyDescriptor(claimed.event.object!.data, '__proto__')?.value).toEqual({ polluted: true });
      expect(claimed.event.object!.data['café']).toBe('é');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await store.get('p'))?.event).toEqual(claimed.event);
    });

    it('keeps integers past 2^53 exact: bigints in, the same bigints out (events/exact-json.ts)', async () => {
      const data = { id: 9223372036854775807n, list: [-9007199254740993n, 9007199254740991, 1.5] };
      await store.enqueue({ id: 'b', idempotencyKey: 'b', event: { ...event('b'), object: { uuid: 'b', data, meta: { size: 18446744073709551615n } } }, acceptedAt: NOW });
      await store.claimDue(1, NOW);
      const stored = (await store.get('b'))?.event.object;
      expect(stored?.data).toStrictEqual(data);
      expect(stored?.meta).toStrictEqual({ size: 18446744073709551615n });
    });

    it('says when it can be written, and stops saying so once closed', async () => {
      await expect(store.checkWritable()).resolves.toBeUndefined();
      await store.close();
      await expect(store.checkWritable()).rejects.toThrow();
    });

    if (!options.durable) return;

    it('keeps what it acknowledged, and its keys, across a restart', async () => {
      await enqueue('a', 'k1');
      store = await harness.reopen!();
      expect((await store.counts()).queued).toBe(1);
      expect(await enqueue('a', 'k1')).toEqual({ status: 'duplicate', originalDeliveryId: `d-${seq - 1}` });
      expect(uuids(await store.claimDue(10, NOW))).toEqual(['a']);
    });

    it('counts its finished deliveries the same after a restart', async () => {
      for (const uuid of ['a', 'b', 'c']) await enqueue(uuid);
      const [a, b] = await store.claimDue(2, NOW);
      await finish(a);
      await finish(b, { status: 'dead' });
      store = await harness.reopen!();
      expect(await store.counts()).toEqual({ queued: 1, processing: 0, succeeded: 1, dead: 1 });
    });

    it('makes what a crashed process was running due again in the next one', async () => {
      await enqueue('a');
      await enqueue('b');
      await store.claimDue(10, NOW);
      store = await harness.crash!();
      const resumed: ClaimedDelivery[] = [];
      // The wall clock, not NOW: a crashed replica's lease lapses in real time (PostgreSQL).
      await waitFor(
        async () => {
          await store.requeueInterrupted(systemClock.now());
          resumed.push(...(await store.claimDue(10, Math.max(NOW, systemClock.now()))));
          return resumed.length === 2;
        }, { timeoutInMs: options.crashResumeWithinMs ?? 5_000, what: 'the crashed claims to come due again' },
      );
      expect(uuids(resumed).sort()).toEqual(['a', 'b']);
    }, 60_000);

    describeTakeoverContract(() => harness, options.crashResumeWithinMs ?? 5_000);
  });
}
