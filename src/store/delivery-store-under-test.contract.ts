import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { AttemptVerdict, ClaimedDelivery, DeliveryAttempt, DeliveryStore } from './delivery-store.js';

// What the DeliveryStore contract's files share (delivery-store.contract.ts and the
// delivery-store-*.contract.ts it calls): one time, one event shape and one way to write, so that
// a test in any of them reads the same as in the others. Named *.contract.ts although it holds no
// tests: it is test code, which the build (tsconfig.json) and mutation testing (stryker.config.mjs)
// leave out by that name.

/** The time the contract's deliveries are accepted and claimed at, unless a test moves it. */
export const NOW = 1_780_000_000_000;
/** The idempotency keys' lifetime in the stores the contract opens. */
export const TTL_IN_SECONDS = 60;

export function event(uuid: string, type = 'object.updated', fields: Record<string, unknown> = {}): OpenRegisterEvent {
  return {
    type,
    eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
    format: 'openregister',
    occurredAt: new Date(NOW).toISOString(),
    object: { uuid, data: { title: 'x', ...fields }, meta: {} },
  };
}

export const attempt = (number: number, at: number, error?: string): DeliveryAttempt =>
  error ? { attempt: number, startedAt: at, finishedAt: at + 1, outcome: 'failed', error } : { attempt: number, startedAt: at, finishedAt: at + 1, outcome: 'succeeded' };
export const SUCCEEDED: AttemptVerdict = { status: 'succeeded' };

export const uuids = (claims: ClaimedDelivery[]) => claims.map((claim) => claim.event.object?.uuid ?? 'none');

/**
 * The store a contract test runs against, and the writes its tests share. One per adapter: the
 * contract puts a fresh store in before each test, and a restart test puts in the reopened one,
 * so `enqueue` and `finish` always write to the store the test is looking at. `seq` runs on
 * across tests (ids stay unique), so a test reads ids relative to it.
 */
export class DeliveryStoreUnderTest {
  store!: DeliveryStore;
  /** How many deliveries `enqueue` has made: the last one's id is `d-${seq}`. */
  seq = 0;

  readonly enqueue = (uuid: string | undefined, key = `key-${this.seq + 1}`, at = NOW) =>
    this.store.enqueue({ id: `d-${++this.seq}`, idempotencyKey: key, event: uuid ? event(uuid) : { ...event('x'), object: undefined }, acceptedAt: at });

  readonly finish = (claim: ClaimedDelivery, verdict: AttemptVerdict = SUCCEEDED, at = NOW, error?: string) =>
    this.store.finishAttempt(claim, attempt(claim.attempts + 1, at, verdict.status === 'succeeded' ? undefined : (error ?? 'failed')), verdict);
}
