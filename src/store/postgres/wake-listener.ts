import pg from 'pg';
import { connectionConfig, type PostgresTimeouts } from './postgres-pool.js';
import { WAKE_CHANNEL } from './schema.js';

export interface WakeListenerOptions {
  url: string;
  timeouts?: PostgresTimeouts;
  /** This process's owner id: its own notifications are not news to it. */
  owner: string;
  onWake: () => void;
  onError?: (error: Error) => void;
  /** First pause before reconnecting after a lost connection; doubles up to `maxRetryInMs`. */
  retryInMs?: number;
  maxRetryInMs?: number;
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries, and its
 * LISTEN lost with it). When the connection drops it reconnects with backoff, and wakes once
 * reconnected: notifications sent meanwhile were missed.
 */
export class WakeListener {
  private client?: pg.Client;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private retryInMs: number;

  constructor(private readonly options: WakeListenerOptions) {
    this.retryInMs = options.retryInMs ?? 250;
  }

  /** Resolves once listening (or, when the database is down now, once a retry is scheduled). */
  async start(): Promise<void> {
    await this.connect(false);
  }

  /** True while a listening connection is open. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(wake: boolean): Promise<void> {
    const client = new pg.Client(connectionConfig(this.options.url, this.options.timeouts));
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (error) this.options.onError?.(error);
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.payload !== this.options.owner) this.options.onWake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WAKE_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryInMs = this.options.retryInMs ?? 250;
    if (wake) this.options.onWake();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryInMs;
    this.retryInMs = Math.min(delay * 2, this.options.maxRetryInMs ?? 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(true);
    }, delay);
    this.retryTimer.unref();
  }
}
