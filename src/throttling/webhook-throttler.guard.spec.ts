import { Reflector } from '@nestjs/core';
import { FakeClock } from '../../test/support/fake-clock.js';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage.js';
import { WebhookThrottlerGuard } from './webhook-throttler.guard.js';

class TestableGuard extends WebhookThrottlerGuard {
  tracker(ip: string): Promise<string> {
    return this.getTracker({ ip });
  }
}

function guard(): TestableGuard {
  const instance = new TestableGuard({ throttlers: [{ name: 'authenticated', limit: 10, ttl: 60_000 }] }, new FixedWindowThrottlerStorage(new FakeClock()), new Reflector());
  return instance;
}

describe('WebhookThrottlerGuard trackers', () => {
  it('counts an IPv4 client by its address, also when it arrives IPv4-mapped', async () => {
    const g = guard();
    expect(await g.tracker('192.0.2.7')).toBe('192.0.2.7');
    expect(await g.tracker('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  it('counts IPv6 clients by their /64, every time (remembered or not)', async () => {
    const g = guard();
    for (let round = 0; round < 2; round++) {
      expect(await g.tracker('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
      expect(await g.tracker('2001:db8:1:2:ffff::9')).toBe('2001:db8:1:2::/64');
      expect(await g.tracker('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    }
  });

  it('keeps answering correctly after more addresses than it remembers', async () => {
    const g = guard();
    for (let i = 0; i < 10_050; i++) await g.tracker(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(await g.tracker('10.0.0.1')).toBe('10.0.0.1');
    expect((g as unknown as { trackers: Map<string, string> }).trackers.size).toBeLessThanOrEqual(10_000);
  });

  it('keys counters by throttler name and tracker', () => {
    const g = guard() as unknown as { generateKey(context: unknown, tracker: string, name: string): string };
    expect(g.generateKey({}, '192.0.2.7', 'authenticated')).toBe('authenticated:192.0.2.7');
    expect(g.generateKey({}, '192.0.2.7', 'unauthenticated')).not.toBe(g.generateKey({}, '192.0.2.7', 'authenticated'));
  });
});
