import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { OpenRegisterObject } from '../events/openregister-event.js';
import type { ObjectStateStore } from './object-state.store.js';

/** What an adapter's spec hands the contract: a fresh, empty store on a clock the contract moves. */
export interface ObjectStateStoreHarness {
  store: ObjectStateStore;
  /** The store's clock (adapters take `now` as an option), starting at `OBJECT_STATE_CONTRACT_NOW`. */
  advance(ms: number): void;
  /** Closes the store and opens a new one on the same storage (durable adapters only). */
  reopen?(): Promise<ObjectStateStore>;
  /** Closes whatever is open and removes the storage. */
  dispose(): Promise<void>;
}

export interface ObjectStateStoreContractOptions {
  /** The storage outlives the store: the harness has `reopen`, and restarts are tested. */
  durable: boolean;
  open(): Promise<ObjectStateStoreHarness>;
}

/** Where the harness's clock starts. */
export const OBJECT_STATE_CONTRACT_NOW = 1_780_000_000_000;
const NOW = OBJECT_STATE_CONTRACT_NOW;
const LATER = NOW + 3_600_000;

const object = (uuid: string, data: Record<string, unknown> = { title: uuid }, meta: Record<string, unknown> = {}): OpenRegisterObject => ({
  uuid,
  register: '7',
  schema: '12',
  data,
  meta,
});

/** The behaviour every ObjectStateStore adapter promises: exact last states that expire. */
export function describeObjectStateStoreContract(adapter: string, options: ObjectStateStoreContractOptions): void {
  describe(`ObjectStateStore contract: ${adapter}`, () => {
    let harness: ObjectStateStoreHarness;
    let store: ObjectStateStore;

    beforeEach(async () => {
      harness = await options.open();
      store = harness.store;
    });
    afterEach(() => harness.dispose());

    it('knows no state at first, then the latest one put', async () => {
      expect(await store.get('a')).toBeUndefined();
      await store.put('a', object('a', { title: 'first' }), LATER);
      expect(await store.get('a')).toEqual(object('a', { title: 'first' }));
      await store.put('a', object('a', { title: 'second', added: true }), LATER);
      expect(await store.get('a')).toEqual(object('a', { title: 'second', added: true }));
      expect(await store.get('b')).toBeUndefined();
    });

    it('gives back values exactly: integers past 2^53 as bigint, nesting, unicode', async () => {
      const state = object(
        'exact',
        {
          id: 9_223_372_036_854_775_807n,
          negative: -9_007_199_254_740_993n,
          safe: 9_007_199_254_740_991,
          ratio: 0.1,
          nested: { list: [1, 'two', { three: [null, true, false] }], empty: {}, none: [] },
          text: 'Zoë — 東京 🚲 e\u0301 \u2028 "quoted" \\ back',
        },
        { owner: 'ünïcode', version: 12_345_678_901_234_567_890n },
      );
      await store.put('exact', state, LATER);
      const read = await store.get('exact');
      expect(read).toEqual(state);
      expect(typeof read!.data.id).toBe('bigint');
      expect(typeof read!.data.safe).toBe('number');
      expect(read!.data.text).toBe(state.data.text);
    });

    it('hides a state once it expired, and deleteExpired removes only expired ones', async () => {
      await store.put('short', object('short'), NOW + 1000);
      await store.put('long', object('long'), LATER);
      harness.advance(999);
      expect(await store.get('short')).toEqual(object('short'));
      harness.advance(1);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.get('long')).toEqual(object('long'));
      expect(await store.deleteExpired(NOW + 1000)).toBe(1);
      expect(await store.deleteExpired(NOW + 1000)).toBe(0);
      expect(await store.get('long')).toEqual(object('long'));
      // A put after expiry remembers anew.
      await store.put('short', object('short', { title: 'again' }), LATER);
      expect(await store.get('short')).toEqual(object('short', { title: 'again' }));
    });

    it('keeps concurrent puts of different objects apart', async () => {
      const uuids = Array.from({ length: 20 }, (_, index) => `object-${index}`);
      await Promise.all(uuids.map((uuid, index) => store.put(uuid, object(uuid, { index }), LATER)));
      const states = await Promise.all(uuids.map((uuid) => store.get(uuid)));
      expect(states).toEqual(uuids.map((uuid, index) => object(uuid, { index })));
    });

    if (!options.durable) return;

    it('keeps states across a reopen', async () => {
      await store.put('a', object('a', { big: 2n ** 64n }), LATER);
      store = await harness.reopen!();
      expect(await store.get('a')).toEqual(object('a', { big: 2n ** 64n }));
    });
  });
}
