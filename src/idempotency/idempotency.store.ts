/** Where a delivery's idempotency key stands. */
export type ClaimResult = 'claimed' | 'in-progress' | 'done';

/**
 * Remembers which changes were handled, so a resend runs no handler twice.
 * A port: adapters are chosen by configuration (memory here; durable stores later).
 */
export interface IdempotencyStore {
  /** Atomically claims a key: `claimed` means the caller now owns the change. */
  claim(key: string): Promise<ClaimResult>;
  /** The change was handled: later claims answer `done` until the key expires. */
  complete(key: string): Promise<void>;
  /** Handling failed: forget the claim so a resend is handled again. */
  release(key: string): Promise<void>;
  /** Writes whatever the adapter holds back; at shutdown, before its storage closes. */
  close?(): void;
}

export const IdempotencyStore = Symbol('IdempotencyStore');
