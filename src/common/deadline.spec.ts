import { describe, expect, it } from '@jest/globals';
import { AsyncResource, createHook } from 'node:async_hooks';
import { withDeadline } from './deadline.js';

const never = () => new Promise<never>(() => {});

describe('withDeadline', () => {
  it('answers what the work answers, and hands it a signal that is not aborted', async () => {
    let seen: AbortSignal | undefined;
    await expect(withDeadline(60_000, undefined, async (signal) => ((seen = signal), 'done'))).resolves.toBe('done');
    expect(seen?.aborted).toBe(false);
  });

  it('passes the work’s own failure through', async () => {
    await expect(withDeadline(60_000, undefined, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it('rejects with a TimeoutError when the time is up, even if the work ignores its signal, and aborts that signal', async () => {
    let seen: AbortSignal | undefined;
    const failure = await withDeadline(20, undefined, (signal) => ((seen = signal), never())).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'TimeoutError', message: 'The operation timed out after 20 ms' });
    expect(seen?.aborted).toBe(true);
  });

  it('rejects with the outer reason as soon as the outer signal aborts', async () => {
    const outer = new AbortController();
    const running = withDeadline(60_000, outer.signal, never);
    outer.abort(new Error('lease lost'));
    await expect(running).rejects.toThrow('lease lost');
  });

  it('does not start waiting when the outer signal has already aborted', async () => {
    const outer = new AbortController();
    outer.abort(new Error('shutting down'));
    let sawAborted: boolean | undefined;
    await expect(withDeadline(60_000, outer.signal, (signal) => ((sawAborted = signal.aborted), never()))).rejects.toThrow('shutting down');
    expect(sawAborted).toBe(true);
  });

  it('leaves no timer and no listener on the outer signal behind once the work is done', async () => {
    // Only timers created inside the probe's scope count, so other work in this worker cannot interfere.
    const probe = new AsyncResource('deadline-probe');
    const created = new Set<number>();
    const destroyed = new Set<number>();
    const hook = createHook({
      init: (id, type, trigger) => void (type === 'Timeout' && trigger === probe.asyncId() && created.add(id)),
      destroy: (id) => void destroyed.add(id),
    }).enable();
    const outer = new AbortController();
    let followed = 0;
    const add = outer.signal.addEventListener.bind(outer.signal);
    const remove = outer.signal.removeEventListener.bind(outer.signal);
    outer.signal.addEventListener = ((...args: Parameters<typeof add>) => (followed++, add(...args))) as typeof add;
    outer.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (followed--, remove(...args))) as typeof remove;
    try {
      await probe.runInAsyncScope(() => withDeadline(60_000, outer.signal, async () => 'done'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(created.size).toBe(1);
      expect([...created].filter((id) => !destroyed.has(id))).toEqual([]);
      expect(followed).toBe(0);
    } finally {
      hook.disable();
    }
  });
});
