import type { Logger } from 'pino';
import { settleWithin } from '../common/settle-within.js';
import type { ClaimedDelivery, DeliveryStore } from '../store/delivery-store.js';
import type { DeliveryMetrics } from './delivery.metrics.js';

/**
 * The deliveries the worker is running, by lease, each with the AbortController of its run.
 * When the store says a lease is lost (renewal failed for longer than the lease, or another
 * replica holds the delivery now), the run is aborted: its handlers get the signal, and the
 * worker records no finish over a delivery that is no longer its own.
 */
export class RunningClaims {
  private readonly byLease = new Map<string, { delivery: ClaimedDelivery; abort: AbortController }>();

  /** Starts following a run; its handlers get the returned signal. */
  start(delivery: ClaimedDelivery): AbortSignal {
    const abort = new AbortController();
    this.byLease.set(delivery.lease, { delivery, abort });
    return abort.signal;
  }

  end(delivery: ClaimedDelivery): void {
    this.byLease.delete(delivery.lease);
  }

  /** The ids of the deliveries still running. */
  ids(): string[] {
    return [...this.byLease.values()].map(({ delivery }) => delivery.id);
  }

  /** Aborts the runs of these leases, with `reason`; returns their deliveries. */
  abort(leases: Iterable<string>, reason: string): ClaimedDelivery[] {
    const aborted: ClaimedDelivery[] = [];
    for (const lease of leases) {
      const run = this.byLease.get(lease);
      if (!run) continue;
      this.byLease.delete(lease);
      run.abort.abort(new LeaseLostError(reason));
      aborted.push(run.delivery);
    }
    return aborted;
  }
}

/** An aborted run's reason: the lease of its delivery is lost. */
export class LeaseLostError extends Error {
  constructor(reason: string) {
    super(`lease lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Gives up the claims whose leases are lost: the running ones are aborted, the claimed but
 * unstarted ones dropped (`waiting` keeps the others). One line names them all, and why.
 * @returns the claimed deliveries still to be started.
 */
export function giveUpLostClaims(leases: string[], reason: string, running: RunningClaims, waiting: ClaimedDelivery[], logger: Logger): ClaimedDelivery[] {
  const lost = new Set(leases);
  const aborted = running.abort(lost, reason);
  const dropped = waiting.filter((delivery) => lost.has(delivery.lease));
  const ids = [...aborted, ...dropped].map((delivery) => delivery.id);
  if (ids.length > 0) {
    logger.error(
      { deliveryIds: ids, count: ids.length, running: aborted.length, waiting: dropped.length, reason },
      `Gave up ${ids.length} deliveries whose lease is lost (${reason}): their handlers were aborted and no outcome is recorded for them here`,
    );
  }
  return dropped.length === 0 ? waiting : waiting.filter((delivery) => !lost.has(delivery.lease));
}

/** The line shutdown ends with when deliveries are left: they stay in the store, and run again elsewhere. */
export function logAbandoned(logger: Logger, running: string[], unreleased: string[], graceInMs: number): void {
  const ids = [...running, ...unreleased];
  if (ids.length === 0) return;
  logger.warn(
    { deliveryIds: ids, count: ids.length, running: running.length, unreleased: unreleased.length, shutdownGraceMs: graceInMs },
    `Shutdown abandoned ${ids.length} deliveries (SHUTDOWN_GRACE_MS over or the store unreachable): they stay in the store and run again on another replica once their lease lapses, or at the next start`,
  );
}

/**
 * Puts claimed but unstarted deliveries back in the queue within `withinMs` (shutdown must not
 * wait on a hung database); returns the ids of those not put back (left `processing`, they are
 * due again once their lease lapses, or at the next start).
 */
export async function releaseWithin(store: DeliveryStore, claims: ClaimedDelivery[], withinMs: number, onError: (error: unknown, ids: string[]) => void): Promise<string[]> {
  if (claims.length === 0) return [];
  const ids = claims.map((delivery) => delivery.id);
  const released = store.release(claims).then(
    () => true,
    (error: unknown) => (onError(error, ids), false),
  );
  return (await settleWithin([released], withinMs)) && (await released) ? [] : ids;
}

/**
 * A run that takes over one whose process never recorded it: the lost run counts as an interrupted
 * attempt (`webhook_delivery_attempts_total{outcome="interrupted"}`), and one line says which this is.
 */
export function reportTakeover(logger: Logger, metrics: Pick<DeliveryMetrics, 'interrupted'>, delivery: ClaimedDelivery, attempt: number): void {
  metrics.interrupted(1);
  logger.warn(
    { deliveryId: delivery.id, event: delivery.event.type, objectUuid: delivery.event.object?.uuid, attempt },
    `Delivery taken over: its previous run (attempt ${attempt - 1}) ended without a recorded outcome; running attempt ${attempt}`,
  );
}
