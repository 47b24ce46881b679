import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { createPool, type PostgresTimeouts } from './postgres-pool.js';
import { NOW_MS } from './schema.js';

const RENEW = {
  name: 'renew-leases',
  // By owner first (the deliveries_leases index), then token: lease_token has no index of its own.
  text: `UPDATE deliveries SET lease_expires_at = ${NOW_MS} + $2::bigint WHERE lease_owner = $3 AND lease_token = ANY ($1::uuid[]) AND status = 'processing' RETURNING lease_token`,
};

/** Why leases are given up: the words of the worker's "gave up" line. */
export const LEASE_LOSS_REASONS = {
  unrenewed: 'lease renewal failed for longer than the lease: another replica may run these deliveries now',
  takenOver: 'the lease was no longer this process\'s at renewal: another replica took these deliveries over',
} as const;

export interface LeaseKeeperOptions {
  /**
   * The keeper's own pool (one connection): renewal must not queue behind the work it protects,
   * and a finish or claim hung on the store's pool would otherwise hold every connection.
   */
  pool: pg.Pool;
  leaseInMs: number;
  /** The process whose leases these are (the store's owner id). */
  owner: string;
  onError: (error: unknown) => void;
  /** Told about leases this process can no longer count on, once each; they are no longer held. */
  onLost: (tokens: string[], reason: string) => void;
  /** A monotonic clock in ms (tests pass their own). */
  now?: () => number;
}

/**
 * Keeps this process's claims alive: every third of the lease it extends the leases it holds,
 * so they lapse only when the process stops renewing (it died, froze or lost the database).
 * A lease that lapsed meanwhile and was taken by another process has a new token and is not
 * renewed: the late finish of this process is then fenced off by the store.
 *
 * The keeper also knows, on its own side, until when each lease surely holds (the time the claim
 * or the last renewal that covered it was sent, plus the lease): past that, or when a renewal
 * finds the lease gone, it tells `onLost`, so the owner stops what it still controls instead of
 * racing the replica that takes the delivery over.
 */
export class LeaseKeeper {
  /** Lease tokens held, and until when (keeper's clock) each surely holds. */
  private readonly held = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly intervalInMs: number;
  private readonly now: () => number;
  private renewing = false;

  /** A keeper on a pool of its own (one connection to `url`), which `close` ends. */
  static open(url: string, timeouts: PostgresTimeouts | undefined, options: Omit<LeaseKeeperOptions, 'pool'>): LeaseKeeper {
    const pool = createPool({ url, poolSize: 1, timeouts, onError: options.onError });
    return new LeaseKeeper({ ...options, pool });
  }

  constructor(private readonly options: LeaseKeeperOptions) {
    this.now = options.now ?? (() => performance.now());
    this.intervalInMs = Math.max(100, Math.floor(options.leaseInMs / 3));
    this.timer = setInterval(() => void this.tick(), this.intervalInMs);
    this.timer.unref();
  }

  /** The keeper's clock, for `hold`'s `since`. */
  clock(): number {
    return this.now();
  }

  /** @param since when the claim that gave these leases was sent (`clock()`). */
  hold(tokens: string[], since: number): void {
    for (const token of tokens) this.held.set(token, since + this.options.leaseInMs);
  }

  drop(tokens: string[]): void {
    for (const token of tokens) this.held.delete(token);
  }

  get size(): number {
    return this.held.size;
  }

  /** Gives up the leases that surely lapsed, then renews the rest. */
  async tick(): Promise<void> {
    this.loseExpired();
    await this.renew();
  }

  /**
   * Extends every held lease; a failure is reported, never thrown (the next tick tries again).
   * Each renewal is bounded by the renewal interval, so a hung one never blocks the next.
   */
  async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    const tokens = [...this.held.keys()];
    const sent = this.now();
    try {
      const { rows } = await this.options.pool.query<{ lease_token: string }>({
        ...RENEW,
        values: [tokens, this.options.leaseInMs, this.options.owner],
        query_timeout: this.intervalInMs,
      } as pg.QueryConfig);
      const renewed = new Set(rows.map((row) => row.lease_token));
      const gone: string[] = [];
      for (const token of tokens) {
        if (!this.held.has(token)) continue; // finished or released meanwhile
        if (renewed.has(token)) this.held.set(token, sent + this.options.leaseInMs);
        else gone.push(token);
      }
      this.lose(gone, LEASE_LOSS_REASONS.takenOver);
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.renewing = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops renewing and ends the keeper's pool. */
  async close(): Promise<void> {
    this.stop();
    await this.options.pool.end().catch(() => undefined);
  }

  private loseExpired(): void {
    const now = this.now();
    this.lose(
      [...this.held].filter(([, until]) => until <= now).map(([token]) => token),
      LEASE_LOSS_REASONS.unrenewed,
    );
  }

  private lose(tokens: string[], reason: string): void {
    if (tokens.length === 0) return;
    this.drop(tokens);
    this.options.onLost(tokens, reason);
  }
}
