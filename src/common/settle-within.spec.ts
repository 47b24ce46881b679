import { describe, expect, it } from '@jest/globals';
import { AsyncResource, createHook } from 'node:async_hooks';
import { settleWithin } from './settle-within.js';

describe('settleWithin', () => {
  it('answers true as soon as everything settled, rejections included', async () => {
    const started = Date.now();
    await expect(settleWithin([Promise.resolve(1), Promise.reject(new Error('x'))], 60_000)).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('answers false when the time is up first', async () => {
    await expect(settleWithin([new Promise(() => {})], 10)).resolves.toBe(false);
  });

  it('leaves no timer of its own behind once everything settled', async () => {
    // Only the timers this call creates are counted (those whose trigger is the probe's scope), so
    // timers of anything else running in the same worker cannot change the answer.
    const probe = new AsyncResource('settle-within-probe');
    const created = new Set<number>();
    const destroyed = new Set<number>();
    const hook = createHook({
      init: (id, type, trigger) => void (type === 'Timeout' && trigger === probe.asyncId() && created.add(id)),
      destroy: (id) => void destroyed.add(id),
    }).enable();
    try {
      await probe.runInAsyncScope(() => settleWithin([Promise.resolve()], 60_000));
      await new Promise((resolve) => setImmediate(resolve));
      expect(created.size).toBe(1);
      expect([...created].filter((id) => !destroyed.has(id))).toEqual([]);
    } finally {
      hook.disable();
    }
  });
});
