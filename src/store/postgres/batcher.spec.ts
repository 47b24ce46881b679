import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('writes what arrives during a write as the next batch, and counts every unanswered item', async () => {
    const writes: number[][] = [];
    const gates: (() => void)[] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      writes.push(items);
      await new Promise<void>((resolve) => gates.push(resolve));
      return items.map((item) => item * 2);
    });
    const first = batcher.submit(1);
    const rest = [batcher.submit(2), batcher.submit(3)];
    expect(writes).toEqual([[1]]);
    expect(batcher.pending).toBe(3);
    gates.shift()!();
    await expect(first).resolves.toBe(2);
    expect(writes).toEqual([[1], [2, 3]]);
    // Two items in one batch being written: both still unanswered.
    expect(batcher.pending).toBe(2);
    let drained = false;
    void batcher.drained().then(() => (drained = true));
    gates.shift()!();
    await expect(Promise.all(rest)).resolves.toEqual([4, 6]);
    await batcher.drained();
    expect(drained).toBe(true);
    expect(batcher.pending).toBe(0);
  });

  it('fails every item of a batch whose write failed, and goes on with the next', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('down');
      }
      return items;
    });
    await expect(batcher.submit(1)).rejects.toThrow('down');
    await expect(batcher.submit(2)).resolves.toBe(2);
  });
});

describe('Batcher with a deadline per item', () => {
  /** A write that hangs until released, as a batch sent into a database that does not answer. */
  const hanging = () => {
    const writes: number[][] = [];
    const gates: (() => void)[] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      writes.push(items);
      await new Promise<void>((resolve) => gates.push(resolve));
      return items;
    });
    return { batcher, writes, release: () => gates.splice(0).forEach((open) => open()) };
  };

  it('answers an item whose batch hangs at its deadline, while the write still hangs', async () => {
    const { batcher, writes, release } = hanging();
    const answer = batcher.submit(1, 20);
    await expect(answer).rejects.toMatchObject({ name: 'BatchDeadlineError', writing: true });
    expect(writes).toEqual([[1]]);
    // The write ends later: nothing changes for the item already answered.
    release();
    await batcher.drained();
    await expect(answer).rejects.toMatchObject({ writing: true });
  });

  it('gives up an item still waiting behind a hung batch: it is never written', async () => {
    const { batcher, writes, release } = hanging();
    const first = batcher.submit(1);
    const waiting = batcher.submit(2, 20);
    await expect(waiting).rejects.toMatchObject({ name: 'BatchDeadlineError', writing: false });
    expect(batcher.pending).toBe(1);
    release();
    await expect(first).resolves.toBe(1);
    await batcher.drained();
    expect(writes).toEqual([[1]]);
  });

  it('answers an item written in time with its result', async () => {
    const batcher = new Batcher<number, number>(async (items) => items.map((item) => item * 2));
    await expect(batcher.submit(3, 60_000)).resolves.toBe(6);
    expect(batcher.pending).toBe(0);
  });
});
