import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { settleWithin } from '../common/settle-within.js';
import { APP_CONFIG, type AppConfig, type CatchupConfig } from '../config/app-config.js';
import { DeliveryStrategy } from '../delivery/delivery-strategy.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { CatchupStateStore } from '../store/catchup-state.store.js';
import { ObjectStateStore } from '../store/object-state.store.js';
import { AuditTrailSource } from './audit-trail.source.js';
import { ChangeEvents } from './change-events.js';
import { ChangeFeedSource } from './change-feed.source.js';
import { CatchupLeaseLostError, CatchupPoller } from './catchup-poller.js';
import { CatchupScope } from './catchup-scope.js';
import { CatchupMetrics } from './catchup.metrics.js';
import { OpenRegisterClient, OpenRegisterError } from './openregister-client.js';

/** How often, at most, a lasting failure is logged again. */
const REMINDER_IN_MS = 60_000;
/** How long shutdown waits at most for each of catch-up's last steps (the read under way, the lease's release). */
const CATCHUP_STOP_IN_MS = 1_000;
/** In `auto`, how long catch-up keeps to the audit trail before asking for the change feed again (OpenRegister may be upgraded). */
const FEED_PROBE_IN_MS = 3_600_000;

/**
 * Catch-up: pulls from OpenRegister what it never pushed (updates, deletions, and every change made
 * while this service could not be reached), on one replica at a time (a lease in the store), every
 * CATCHUP_INTERVAL_SECONDS and at once again while there is more. OpenRegister being unreachable or
 * refusing is logged and retried with backoff; it never stops the service or its readiness.
 */
@Injectable()
export class CatchupService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly config: CatchupConfig;
  private readonly poller: CatchupPoller;
  /** Aborts the read under way at shutdown. */
  private readonly shutdown = new AbortController();
  private stopped = true;
  private loop?: Promise<void>;
  private interrupt?: () => void;
  private failures = 0;
  private lastFailureLogAt = 0;
  private leaseRenewedAt = 0;
  private feedMissingSince?: number;

  constructor(
    @Inject(APP_CONFIG) appConfig: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Inject(Clock) private readonly clock: Clock,
    private readonly metrics: CatchupMetrics,
    @Inject(DeliveryStrategy) strategy: DeliveryStrategy,
    @Inject(CatchupStateStore) private readonly state: CatchupStateStore,
    @Inject(ObjectStateStore) objectStates: ObjectStateStore,
  ) {
    this.config = appConfig.catchup!;
    const { apiUrl, username, password, requestTimeoutInMs } = this.config;
    const client = new OpenRegisterClient({ apiUrl, username, password, timeoutInMs: requestTimeoutInMs, clock, signal: this.shutdown.signal });
    this.poller = new CatchupPoller({
      config: this.config,
      clock,
      logger,
      state,
      strategy,
      events: new ChangeEvents(client, clock, appConfig.trackPreviousState ? objectStates : undefined),
      scope: new CatchupScope(client, this.config),
      metrics,
      feed: new ChangeFeedSource(client),
      audit: new AuditTrailSource(client),
      owner: this.owner,
      keepLease: () => this.keepLease(),
    });
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.logger.info({ openRegister: this.config.apiUrl, source: this.config.source, intervalSeconds: this.config.intervalInSeconds, owner: this.owner }, 'Catch-up started');
    this.loop = this.run();
  }

  /** Stops before the store closes: the read under way ends at its next step, its checkpoint unwritten. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    this.shutdown.abort();
    // Bounded: a hung database must not hold the shutdown (an unreleased lease lapses by itself).
    if (this.loop) await settleWithin([this.loop], CATCHUP_STOP_IN_MS);
    await settleWithin([this.state.releaseLease(this.owner).catch(() => undefined)], CATCHUP_STOP_IN_MS);
    this.metrics.leader.set(0);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay = this.config.intervalInSeconds * 1000;
      try {
        if (await this.lead()) {
          const more = await this.poll();
          this.succeeded();
          if (more) delay = 0;
          else this.metrics.caughtUpAt = this.clock.now();
        }
      } catch (error) {
        if (this.stopped) break;
        delay = this.failed(error);
      }
      if (delay > 0) await this.sleep(delay);
    }
  }

  /** Takes or renews the lease; a replica that does not lead is not behind (the leader reports the lag). */
  private async lead(): Promise<boolean> {
    const leader = await this.state.acquireLease(this.owner, this.config.leaseInSeconds * 1000);
    this.metrics.leader.set(leader ? 1 : 0);
    if (leader) this.leaseRenewedAt = this.clock.now();
    else this.metrics.caughtUpAt = this.clock.now();
    return leader;
  }

  private async keepLease(): Promise<void> {
    if (this.stopped) throw new CatchupLeaseLostError();
    if (this.clock.now() - this.leaseRenewedAt < (this.config.leaseInSeconds * 1000) / 3) return;
    if (!(await this.lead())) throw new CatchupLeaseLostError();
  }

  private async poll(): Promise<boolean> {
    await this.poller.scope.resolve();
    const { source } = this.config;
    const feedMissing = this.feedMissingSince !== undefined && this.clock.now() - this.feedMissingSince < FEED_PROBE_IN_MS;
    if (source === 'audit-trail' || (source === 'auto' && feedMissing)) return this.poller.pollAuditTrail();
    try {
      const more = await this.poller.pollFeed();
      this.feedMissingSince = undefined;
      return more;
    } catch (error) {
      if (source !== 'auto' || !(error instanceof OpenRegisterError) || error.failure !== 'not-found') throw error;
      if (this.feedMissingSince === undefined) {
        this.logger.warn("OpenRegister has no change feed (GET /realtime/events answered 404: a build before 2026-04-30?): catch-up reads its audit trail, which misses bulk imports and purges");
      }
      this.feedMissingSince = this.clock.now();
      return this.poller.pollAuditTrail();
    }
  }

  private succeeded(): void {
    this.metrics.up.set(1);
    if (this.failures > 0) this.logger.info({ failedAttempts: this.failures }, 'Catch-up reads OpenRegister again');
    this.failures = 0;
  }

  /** Logs the failure (the first, then at most once a minute) and says how long to wait. */
  private failed(error: unknown): number {
    const interval = this.config.intervalInSeconds * 1000;
    if (error instanceof CatchupLeaseLostError) {
      this.logger.info(error.message);
      return interval;
    }
    this.metrics.up.set(0);
    this.failures++;
    const now = this.clock.now();
    if (this.failures === 1 || now - this.lastFailureLogAt >= REMINDER_IN_MS) {
      this.lastFailureLogAt = now;
      // OpenRegister's answer says it all; a stack only for what is not one (the store, a bug).
      const cause = error instanceof OpenRegisterError ? { failure: error.failure, status: error.status } : { err: error };
      const what = error instanceof OpenRegisterError ? 'Catch-up could not read OpenRegister' : 'Catch-up could not hand its changes over (it reads them again)';
      this.logger.error({ ...cause, failedAttempts: this.failures }, `${what}: ${describe(error)}`);
    }
    if (error instanceof OpenRegisterError && (error.failure === 'unauthorized' || error.failure === 'forbidden')) return interval;
    const backoff = Math.min(interval, 1000 * 2 ** Math.min(this.failures - 1, 16));
    return error instanceof OpenRegisterError && error.retryAfterInMs !== undefined ? Math.max(backoff, error.retryAfterInMs) : backoff;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.interrupt = done;
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof OpenRegisterError && error.failure === 'unauthorized') {
    return `${error.message}: check OPENREGISTER_USERNAME and OPENREGISTER_PASSWORD (a Nextcloud app password)`;
  }
  return error instanceof Error ? error.message : String(error);
}
