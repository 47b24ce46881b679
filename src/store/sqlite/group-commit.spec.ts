import { describe, expect, it } from '@jest/globals';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('commits writes submitted in the same turn of the event loop as one batch', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, string>((items) => {
      batches.push(items);
      return items.map((item) => `ok ${item}`);
    });
    const results = await Promise.all([1, 2, 3].map((item) => group.submit(item)));
    expect(results).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('commits a lone write without waiting for company', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>((items) => (batches.push(items), items));
    expect(await group.submit(7)).toBe(7);
    expect(await group.submit(8)).toBe(8);
    expect(batches).toEqual([[7], [8]]);
  });

  it('caps a batch, and with a cap of 1 commits each write alone', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>((items) => (batches.push(items), items), 1);
    await Promise.all([1, 2, 3].map((item) => group.submit(item)));
    expect(batches).toEqual([[1], [2], [3]]);
  });

  it('rejects every write of a batch whose commit failed, and goes on with the next', async () => {
    let fail = true;
    const group = new GroupCommit<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const failed = Promise.allSettled([group.submit(1), group.submit(2)]);
    expect((await failed).map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await group.submit(3)).toBe(3);
  });

  it('answers a batch once its sync resolves, while the next batch already commits', async () => {
    const batches: number[][] = [];
    const syncs: (() => void)[] = [];
    const group = new GroupCommit<number, number>(
      (items) => (batches.push(items), items),
      1000,
      () => new Promise<void>((resolve) => syncs.push(resolve)),
    );
    const answered: number[] = [];
    const first = group.submit(1).then((value) => answered.push(value));
    await new Promise((resolve) => setImmediate(resolve));
    const second = group.submit(2).then((value) => answered.push(value));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2]]);
    expect(answered).toEqual([]);
    syncs[1]();
    await second;
    expect(answered).toEqual([2]);
    syncs[0]();
    await first;
    expect(answered).toEqual([2, 1]);
  });

  it('rejects every write of a batch whose sync failed', async () => {
    const group = new GroupCommit<number, number>((items) => items, 1000, () => Promise.reject(new Error('EIO')));
    const results = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
