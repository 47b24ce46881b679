import { newDeliveryId } from './delivery-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newDeliveryId', () => {
  it('is a UUID version 7 with the RFC 9562 variant', () => {
    for (let i = 0; i < 1000; i++) expect(newDeliveryId(1_800_000_000_000 + i)).toMatch(UUID_V7);
  });

  it('carries the time in ms in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 29, 5, 0, 0, 123);
    expect(parseInt(newDeliveryId(at).replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by time across milliseconds', () => {
    const ids = [3, 1, 2].map((offset) => newDeliveryId(1_800_000_000_000 + offset));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });

  it('differs within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newDeliveryId(1_800_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
