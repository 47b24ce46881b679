/**
 * Where a delivery's idempotency key stands. A resend of a change already taken names the
 * delivery that first carried it, while the store still knows it.
 */
export type ClaimResult = { status: 'claimed' } | { status: 'in-progress' | 'done'; originalDeliveryId?: string };

/**
 * Remembers which changes were handled (inline mode), so a resend runs no handler twice.
 * A port: the adapter is chosen by STORE_DRIVER.
 */
export interface IdempotencyStore {
  /** Atomically claims a key for `deliveryId`: `claimed` means the caller now owns the change. */
  claim(key: string, deliveryId: string): Promise<ClaimResult>;
  /** The change was handled: later claims answer `done` until the key expires. */
  complete(key: string): Promise<void>;
  /** Handling failed: forget the claim so a resend is handled again. */
  release(key: string): Promise<void>;
  /** Writes whatever the adapter holds back; at shutdown, before its storage closes. */
  close?(): Promise<void>;
}

export const IdempotencyStore = Symbol('IdempotencyStore');
