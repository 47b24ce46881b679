import type { Clock } from '../../src/common/clock.js';

/** Where a `FakeClock` starts unless told: a round, recent-looking time (2026-05-15T10:00:00Z). */
export const FAKE_CLOCK_START = Date.parse('2026-05-15T10:00:00Z');

/**
 * A `Clock` that stands still until the test moves it: time-based behaviour (backoff, leases,
 * retention, the replay window) is tested by moving it, never by waiting.
 */
export class FakeClock implements Clock {
  constructor(private time = FAKE_CLOCK_START) {}

  now(): number {
    return this.time;
  }

  /** Lets `ms` pass. */
  advance(ms: number): void {
    this.time += ms;
  }

  /** Jumps to `time` (ms since the epoch), backwards too: a stepped wall clock. */
  set(time: number): void {
    this.time = time;
  }
}
