import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../common/clock.js';

interface Window {
  hits: number;
  resetAt: number;
  blockedUntil: number;
}

/** The record `ThrottlerGuard` expects; times in seconds, as the library's own storage gives them. */
export interface ThrottlerRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

const SWEEP_EVERY_IN_MS = 60_000;

/**
 * An in-memory `ThrottlerStorage` that counts hits in fixed windows: O(1) per request. The
 * library's default storage keeps one timestamp per hit and filters them all on every request,
 * which at the authenticated limit (60,000 a minute) costs more than the delivery itself.
 * Over the limit, a client is blocked for `blockDuration`.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_IN_MS);
    this.sweeper.unref();
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerRecord> {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || (now >= window.resetAt && now >= window.blockedUntil)) {
      window = { hits: 0, resetAt: now + ttl, blockedUntil: 0 };
      this.windows.set(key, window);
    }
    if (now < window.blockedUntil) return this.record(window, now, true);
    window.hits++;
    if (window.hits > limit) {
      window.blockedUntil = now + blockDuration;
      return this.record(window, now, true);
    }
    return this.record(window, now, false);
  }

  /** Stops the sweeper; Nest calls it at shutdown. */
  close(): void {
    clearInterval(this.sweeper);
  }

  onApplicationShutdown(): void {
    this.close();
  }

  private record(window: Window, now: number, isBlocked: boolean): ThrottlerRecord {
    return {
      totalHits: window.hits,
      timeToExpire: Math.max(0, Math.ceil((window.resetAt - now) / 1000)),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.max(1, Math.ceil((window.blockedUntil - now) / 1000)) : 0,
    };
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, window] of this.windows) {
      if (now >= window.resetAt && now >= window.blockedUntil) this.windows.delete(key);
    }
  }
}
