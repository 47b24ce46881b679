import type pg from 'pg';
import { NOW_MS } from './schema.js';

const RENEW = {
  name: 'renew-leases',
  // By owner first (the deliveries_leases index), then token: lease_token has no index of its own.
  text: `UPDATE deliveries SET lease_expires_at = ${NOW_MS} + $2::bigint WHERE lease_owner = $3 AND lease_token = ANY ($1::uuid[]) AND status = 'processing'`,
};

/**
 * Keeps this process's claims alive: every third of the lease it extends the leases it holds,
 * so they lapse only when the process stops renewing (it died, froze or lost the database).
 * A lease that lapsed meanwhile and was taken by another process has a new token and is not
 * renewed: the late finish of this process is then fenced off by the store.
 */
export class LeaseKeeper {
  /** Lease tokens held, by token. */
  private readonly held = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly leaseInMs: number,
    private readonly onError: (error: unknown) => void,
    /** The process whose leases these are (the store's owner id). */
    private readonly owner: string,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(leaseInMs / 3)));
    this.timer.unref();
  }

  hold(tokens: string[]): void {
    for (const token of tokens) this.held.add(token);
  }

  drop(tokens: string[]): void {
    for (const token of tokens) this.held.delete(token);
  }

  get size(): number {
    return this.held.size;
  }

  /** Extends every held lease; a failure is reported, never thrown (the next tick tries again). */
  async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    try {
      await this.pool.query({ ...RENEW, values: [[...this.held], this.leaseInMs, this.owner] });
    } catch (error) {
      this.onError(error);
    } finally {
      this.renewing = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
