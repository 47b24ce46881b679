import { ClaimResult, IdempotencyStore } from './idempotency.store.js';
import { systemClock } from '../common/clock.js';

interface Entry {
  state: 'in-progress' | 'done';
  expiresAt: number;
  deliveryId: string;
}

export interface MemoryIdempotencyOptions {
  maxEntries: number;
  ttlInSeconds: number;
  now?: () => number;
}

/**
 * In-process idempotency store, bounded in entries and in time: the oldest keys go first when
 * it is full, and a key is forgotten once its time is up. Private to one replica.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  // A Map iterates in insertion order, which makes "oldest first" eviction O(1).
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: MemoryIdempotencyOptions) {
    this.now = options.now ?? systemClock.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async claim(key: string, deliveryId: string): Promise<ClaimResult> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return { status: entry.state, originalDeliveryId: entry.deliveryId };
    this.set(key, 'in-progress', deliveryId);
    return { status: 'claimed' };
  }

  async complete(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry) this.set(key, 'done', entry.deliveryId);
  }

  async release(key: string): Promise<void> {
    this.entries.delete(key);
  }

  private set(key: string, state: Entry['state'], deliveryId: string): void {
    this.entries.delete(key);
    this.entries.set(key, { state, expiresAt: this.now() + this.options.ttlInSeconds * 1000, deliveryId });
    this.evict();
  }

  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
