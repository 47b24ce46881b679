import { describe, expect, it } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBuffer } from './turn-buffer.js';

describe('TurnBuffer', () => {
  it('writes what was added during a turn once, together, at its end', async () => {
    const writes: number[][] = [];
    const buffer = new TurnBuffer<number>((items) => writes.push(items));
    buffer.add(1);
    buffer.add(2);
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([[1, 2]]);
    buffer.add(3);
    await nextTurn();
    expect(writes).toEqual([[1, 2], [3]]);
  });

  it('leaves nothing to write at the turn end once taken or flushed', async () => {
    const writes: number[][] = [];
    const buffer = new TurnBuffer<number>((items) => writes.push(items));
    buffer.add(1);
    expect(buffer.take()).toEqual([1]);
    buffer.add(2);
    buffer.flush();
    expect(buffer.size).toBe(0);
    await nextTurn();
    expect(writes).toEqual([[2]]);
  });
});
