import { settleWithin } from '../common/settle-within.js';
import type { DeliveryStore, StoredDeliveryStatus } from './delivery-store.js';

/** Where the monitor's lines go (the pino logger in the service). */
export interface MonitorLog {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface StoreMonitorOptions {
  /** How long one writability check may take before the store counts as unreachable. */
  checkTimeoutInMs?: number;
  /** A check's result is reused for this long (0: only a check under way is shared). */
  checkReuseInMs?: number;
  /** Checks in the background this often when nothing else checked meanwhile (0: never). */
  probeIntervalInMs?: number;
  /** Queue counts are read in the background this often, and by a call that finds them older (0: by every call). */
  countsMaxAgeInMs?: number;
  /** Reminder while the store stays unreachable. */
  reminderInMs?: number;
  /**
   * Measures the intervals above and an outage's length against real timers: `performance.now()`
   * (monotonic) unless a test passes its own, never a time of day.
   */
  now?: () => number;
}

export type QueueCounts = Record<StoredDeliveryStatus, number>;

/**
 * Whether the delivery store can be written, said in bounded time whatever the database does,
 * and the queue counts as a read in the background (the metrics never wait on, nor fail with, the
 * store).
 * It also tells the outage in the log: one warning when the store becomes unreachable, a reminder
 * a minute while it lasts (with the deliveries refused meanwhile), one line when it is back.
 * Errors of the store's background work are passed here: while the outage is known they are
 * debug lines, not one warning each.
 */
export class StoreMonitor {
  private store?: DeliveryStore;
  private readonly options: Required<StoreMonitorOptions>;
  private checking?: Promise<boolean>;
  private checkedAt = -Infinity;
  private reachable = true;
  private downSince?: number;
  private lastError?: string;
  private refusedDuringOutage = 0;
  private reminderTimer?: NodeJS.Timeout;
  private probeTimer?: NodeJS.Timeout;
  private countsTimer?: NodeJS.Timeout;
  private countsRead?: Promise<void>;
  private lastCounts?: QueueCounts;
  private countsAt?: number;

  constructor(
    private readonly log: MonitorLog,
    options: StoreMonitorOptions = {},
  ) {
    this.options = {
      checkTimeoutInMs: 800,
      checkReuseInMs: 0,
      probeIntervalInMs: 2000,
      countsMaxAgeInMs: 5000,
      reminderInMs: 60_000,
      now: () => performance.now(),
      ...options,
    };
  }

  /** Starts watching `store` (probing it and reading its counts in the background). */
  watch(store: DeliveryStore): void {
    this.store = store;
    this.readCounts();
    if (this.options.countsMaxAgeInMs > 0) {
      this.countsTimer = setInterval(() => this.readCounts(), this.options.countsMaxAgeInMs);
      this.countsTimer.unref();
    }
    if (this.options.probeIntervalInMs > 0) {
      this.probeTimer = setInterval(() => {
        if (this.options.now() - this.checkedAt >= this.options.probeIntervalInMs) void this.check();
      }, this.options.probeIntervalInMs);
      this.probeTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.probeTimer);
    clearInterval(this.countsTimer);
    clearInterval(this.reminderTimer);
  }

  /** The result of the latest check: false from the first failed check until one succeeds. */
  get up(): boolean {
    return this.reachable;
  }

  /**
   * Checks that the store can be written, within `checkTimeoutInMs` (a check that takes longer
   * counts as a failure). A check made less than `checkReuseInMs` ago answers for this one.
   * @returns whether the store is writable; never throws.
   */
  async check(): Promise<boolean> {
    if (!this.store) return true;
    if (this.options.now() - this.checkedAt < this.options.checkReuseInMs && !this.checking) return this.reachable;
    this.checking ??= this.store.checkWritable().then(
      () => true,
      (error: unknown) => {
        this.lastError = errorMessage(error);
        return false;
      },
    );
    const checking = this.checking;
    let result: boolean | undefined;
    void checking.then((ok) => {
      result = ok;
      if (this.checking === checking) this.checking = undefined;
    });
    await settleWithin([checking], this.options.checkTimeoutInMs);
    // A check still under way after the timeout: the store does not answer, which is down too.
    if (result === undefined) this.lastError = `no answer within ${this.options.checkTimeoutInMs} ms`;
    this.record(result ?? false);
    return result ?? false;
  }

  /** Why the latest check failed. */
  get reason(): string | undefined {
    return this.reachable ? undefined : this.lastError;
  }

  /** A delivery was refused because the store could not take it (counted for the reminder). */
  refused(error: unknown, fields: object = {}): void {
    const line = { ...fields, err: error };
    if (!this.reachable) {
      this.refusedDuringOutage++;
      this.log.debug(line, 'Delivery refused: the delivery store cannot be reached');
      return;
    }
    void this.check().then((ok) => {
      if (ok) return this.log.error(line, 'Could not store a delivery');
      this.refusedDuringOutage++;
      this.log.debug(line, 'Delivery refused: the delivery store cannot be reached');
    });
  }

  /**
   * An error of work in the background (lease renewal, wake-ups, the worker's claims). A warning
   * when the store is otherwise fine; while it is unreachable, the outage's own lines say it.
   */
  backgroundError(error: unknown, what: string, fields: object = {}, level: 'warn' | 'error' = 'warn'): void {
    const line = { ...fields, err: error };
    if (!this.reachable) {
      this.log.debug(line, what);
      return;
    }
    void this.check().then((ok) => (ok ? this.log[level](line, what) : this.log.debug(line, what)));
  }

  /**
   * The queue counts as last read, and their age (both undefined before the first read succeeded).
   * Never waits: the counts are read in the background every `countsMaxAgeInMs`, one read at a
   * time (a hung read is not started again), and older ones start a read for the next call.
   */
  counts(): { counts?: QueueCounts; ageInSeconds?: number } {
    if (this.countsAt === undefined || this.options.now() - this.countsAt >= this.options.countsMaxAgeInMs) this.readCounts();
    return {
      counts: this.lastCounts,
      ageInSeconds: this.countsAt === undefined ? undefined : Math.max(0, this.options.now() - this.countsAt) / 1000,
    };
  }

  private readCounts(): void {
    if (!this.store || this.countsRead) return;
    this.countsRead = this.store
      .counts()
      .then(
        (counts) => {
          this.lastCounts = counts;
          this.countsAt = this.options.now();
        },
        () => undefined,
      )
      .finally(() => (this.countsRead = undefined));
  }

  private record(ok: boolean): void {
    this.checkedAt = this.options.now();
    if (ok === this.reachable) return;
    this.reachable = ok;
    const now = this.options.now();
    if (!ok) {
      this.downSince = now;
      this.refusedDuringOutage = 0;
      this.log.warn(
        { store: 'down', reason: this.lastError },
        'The delivery store cannot be reached: deliveries are refused with 503 and readiness is 503 until it is back',
      );
      this.reminderTimer = setInterval(() => this.remind(), this.options.reminderInMs);
      this.reminderTimer.unref();
      return;
    }
    clearInterval(this.reminderTimer);
    this.log.info(
      { store: 'up', downForInMs: now - (this.downSince ?? now), refused: this.refusedDuringOutage },
      'The delivery store is reachable again',
    );
    this.downSince = undefined;
  }

  private remind(): void {
    if (this.reachable) return;
    const now = this.options.now();
    this.log.warn(
      { store: 'down', downForInMs: now - (this.downSince ?? now), refused: this.refusedDuringOutage, reason: this.lastError },
      'The delivery store is still unreachable',
    );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
