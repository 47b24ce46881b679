import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { CatchupConfig } from '../config/app-config.js';
import type { DeliveryStrategy } from '../delivery/delivery-strategy.js';
import type { CatchupFormat } from '../events/openregister-event.js';
import { idempotencyKey } from '../idempotency/idempotency-key.js';
import { newDeliveryId } from '../ingest/delivery-id.js';
import type { CatchupStateStore } from '../store/catchup-state.store.js';
import { AuditStop, AuditTrailSource } from './audit-trail.source.js';
import { ChangeFeedSource } from './change-feed.source.js';
import type { ChangeEvents } from './change-events.js';
import type { CatchupScope } from './catchup-scope.js';
import type { CatchupMetrics } from './catchup.metrics.js';
import type { ObservedChange } from './observed-change.js';

/** OpenRegister's default `realtime_event_retention_seconds`: a checkpoint older than this may have missed entries. */
export const FEED_RETENTION_IN_MS = 7 * 24 * 3_600_000;

/** This replica's reader lease lapsed and another replica took it over: it stops reading. */
export class CatchupLeaseLostError extends Error {
  constructor() {
    super('the catch-up lease passed to another replica; that replica carries on');
    this.name = 'CatchupLeaseLostError';
  }
}

/** A source's checkpoint as stored: its position and when the source was last read up to it. */
interface Checkpoint {
  position: number;
  at: number;
}

export interface PollerParts {
  config: CatchupConfig;
  clock: Clock;
  logger: Logger;
  state: CatchupStateStore;
  strategy: DeliveryStrategy;
  events: ChangeEvents;
  scope: CatchupScope;
  metrics: CatchupMetrics;
  feed: ChangeFeedSource;
  audit: AuditTrailSource;
  owner: string;
  /** Renews the reader lease during a long read; throws when it was lost. */
  keepLease(): Promise<void>;
}

/**
 * One read of OpenRegister: the entries after the checkpoint, each turned into its event and
 * handed to the delivery strategy (the path a webhook takes after its idempotency key), then the
 * checkpoint moved past them, never before every event is durable. A failure anywhere leaves the
 * checkpoint where it was: the next read takes the same entries again, and their keys dedupe them.
 */
export class CatchupPoller {
  constructor(private readonly parts: PollerParts) {}

  get scope(): PollerParts['scope'] {
    return this.parts.scope;
  }

  /** Reads the feed once; true when it has more right away. */
  async pollFeed(): Promise<boolean> {
    const { config, feed, scope, clock } = this.parts;
    const saved = await this.checkpoint('feed');
    if (!saved) {
      const start = config.from === 'now' ? await feed.currentCursor() : config.from === 'oldest' ? 0 : config.from;
      await this.save('feed', start, `Catch-up starts reading OpenRegister's change feed after cursor ${start}`);
      return config.from !== 'now';
    }
    if (clock.now() - saved.at > FEED_RETENTION_IN_MS) await this.coverFeedGap(saved.at);
    const page = await feed.read(saved.position, config.pageSize, scope.feedFilter());
    await this.deliver(page.changes, 'feed');
    await this.save('feed', page.position);
    return page.hasMore;
  }

  /** Reads the audit trail once, from its end back to the checkpoint. */
  async pollAuditTrail(): Promise<boolean> {
    const { config, audit } = this.parts;
    const saved = await this.checkpoint('audit-trail');
    if (!saved) {
      const start = config.from === 'now' ? await audit.newestId() : config.from === 'oldest' ? 0 : config.from;
      await this.save('audit-trail', start, `Catch-up starts reading OpenRegister's audit trail after entry ${start}`);
      return config.from !== 'now';
    }
    const page = await this.readAudit({ afterId: saved.position });
    await this.deliver(page.changes, 'audit-trail');
    await this.save('audit-trail', page.newestId);
    return false;
  }

  /**
   * The service was away longer than the feed keeps entries: what the feed dropped is read from the
   * audit trail (since a minute before the last read), then the feed goes on where it was.
   */
  private async coverFeedGap(lastReadAt: number): Promise<void> {
    this.parts.logger.warn(
      { lastReadAt: new Date(lastReadAt).toISOString() },
      "Catch-up last read the change feed longer ago than OpenRegister keeps it: reading the audit trail for the gap (it misses bulk imports and purges)",
    );
    const page = await this.readAudit({ since: lastReadAt - 60_000 });
    await this.deliver(page.changes, 'audit-trail');
  }

  private readAudit(stop: AuditStop) {
    return this.parts.audit.read(stop, this.parts.config.pageSize, (entries) =>
      this.parts.logger.error({ entries }, 'Catch-up could not read back to its checkpoint in the audit trail: the oldest entries are skipped'),
    );
  }

  private async deliver(changes: ObservedChange[], format: CatchupFormat): Promise<void> {
    const { events, scope, strategy, metrics, clock, logger } = this.parts;
    events.startPage();
    const counts = { accepted: 0, duplicate: 0, ignored: 0, unchanged: 0 };
    for (const change of changes) {
      if (!scope.includes(change)) continue;
      await this.parts.keepLease();
      const event = await events.eventOf(change, format);
      if (!event) {
        counts.unchanged++;
        continue;
      }
      metrics.events.inc({ type: event.type });
      const trace = { deliveryId: newDeliveryId(clock.now()), startedAt: performance.now(), event: event.type, objectUuid: change.uuid };
      const receipt = await strategy.accept({ trace, event, idempotencyKey: idempotencyKey(event) });
      const status = receipt.status === 'processed' ? 'accepted' : receipt.status;
      counts[status]++;
      if (status === 'accepted') metrics.recovered.inc();
      if (logger.isLevelEnabled('debug')) {
        logger.debug({ deliveryId: receipt.deliveryId, event: event.type, objectUuid: change.uuid, source: format, position: change.position, outcome: receipt.status }, 'catch-up change');
      }
    }
    if (changes.length > 0) logger.info({ source: format, read: changes.length, ...counts }, `Catch-up read ${changes.length} change(s) from OpenRegister's ${format === 'feed' ? 'change feed' : 'audit trail'}`);
  }

  private async checkpoint(source: CatchupFormat): Promise<Checkpoint | undefined> {
    const saved = await this.parts.state.readCheckpoint(source);
    if (saved === undefined) return undefined;
    const parsed = JSON.parse(saved) as Partial<Checkpoint>;
    return { position: Number(parsed.position ?? 0), at: Number(parsed.at ?? 0) };
  }

  private async save(source: CatchupFormat, position: number, message?: string): Promise<void> {
    const value = JSON.stringify({ position, at: this.parts.clock.now() } satisfies Checkpoint);
    if (!(await this.parts.state.writeCheckpoint(source, value, this.parts.owner))) {
      throw new CatchupLeaseLostError();
    }
    if (message) this.parts.logger.info({ source, position }, message);
  }
}
