import { describe, expect, it } from '@jest/globals';
import { fromThreadError, toThreadError } from './store-thread-protocol.js';

/** An error crosses the thread as data and comes back as the error the adapter threw. */
describe('errors across the store thread', () => {
  const roundTrip = (error: unknown) => fromThreadError(structuredClone(toThreadError(error)));

  it('keeps the message, and TypeError as TypeError (a closed store)', () => {
    const back = roundTrip(new TypeError('The delivery store is closed'));
    expect(back).toBeInstanceOf(TypeError);
    expect(back.message).toBe('The delivery store is closed');
  });

  it("keeps SQLite's error name and code, which a clone of the Error drops", () => {
    const busy = Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });
    const back = roundTrip(busy);
    expect(back).toBeInstanceOf(Error);
    expect(back).not.toBeInstanceOf(TypeError);
    expect(back).toMatchObject({ name: 'SqliteError', message: 'database is locked', code: 'SQLITE_BUSY' });
  });

  it('has no code when the error had none, or a code that is not a string', () => {
    expect(toThreadError(new Error('plain'))).toEqual({ name: 'Error', message: 'plain' });
    expect(toThreadError(Object.assign(new Error('errno'), { code: 5 }))).toEqual({ name: 'Error', message: 'errno' });
    expect('code' in roundTrip(new Error('plain'))).toBe(false);
  });

  it('turns a thrown non-Error into an Error with its text', () => {
    expect(toThreadError('no such table')).toEqual({ name: 'Error', message: 'no such table' });
    expect(roundTrip(42)).toMatchObject({ name: 'Error', message: '42' });
  });
});
