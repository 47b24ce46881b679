import type Database from 'better-sqlite3';
import { systemClock } from '../../common/clock.js';
import { ClaimResult, IdempotencyStore } from '../../idempotency/idempotency.store.js';
import { TurnBuffer } from './turn-buffer.js';

/**
 * One call on the store, held until the end of the turn and applied in call order; `at` is the
 * time of the call, so expiry counts from it as if written at once.
 */
type KeyOperation =
  | { kind: 'claim'; key: string; deliveryId: string; at: number; resolve: (result: ClaimResult) => void; reject: (error: unknown) => void }
  | { kind: 'complete' | 'release'; key: string; at: number };

type Settlement = Extract<KeyOperation, { kind: 'complete' | 'release' }>;

export interface SqliteIdempotencyOptions {
  ttlInSeconds: number;
  now?: () => number;
  /** Told when completions or releases could not be written: those keys stay in progress until restart or expiry. */
  onUnwrittenSettlements?: (error: unknown, keys: string[]) => void;
}

/**
 * Idempotency keys in the embedded database, for inline delivery: they survive restarts. Keys
 * expire after IDEMPOTENCY_TTL_SECONDS; expired ones are swept with the retention job.
 *
 * Every call of one event-loop turn is written in one transaction at its end, in call order, so
 * each turn pays one WAL commit instead of two per delivery, and the answers are those the same
 * statements would give one by one: of two claims of one key the first is `claimed`, the second
 * `in-progress`; a claim after a `complete` still held back answers `done`.
 *
 * `complete` returns before its write. A crash between a handler's success and that write
 * (at most one turn) loses the completion, and the claim with it (in-progress claims are dropped
 * at start), so a resend runs the handlers again: at-least-once, as after a crash during a handler.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly statements;
  private readonly pending: TurnBuffer<KeyOperation>;
  private readonly writeAll: (operations: KeyOperation[]) => ClaimResult[];
  private readonly writeSettlements: (settlements: Settlement[]) => void;
  private readonly now: () => number;

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteIdempotencyOptions,
  ) {
    this.now = options.now ?? systemClock.now;
    this.statements = {
      claim: db.prepare(
        `INSERT INTO idempotency_keys (key, state, expires_at, delivery_id) VALUES (?, 'in-progress', ?, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'in-progress', expires_at = excluded.expires_at, delivery_id = excluded.delivery_id
         WHERE idempotency_keys.expires_at <= ?`,
      ),
      state: db.prepare(`SELECT state, delivery_id FROM idempotency_keys WHERE key = ?`),
      complete: db.prepare(`UPDATE idempotency_keys SET state = 'done', expires_at = ? WHERE key = ?`),
      release: db.prepare(`DELETE FROM idempotency_keys WHERE key = ?`),
    };
    this.writeAll = db.transaction((operations: KeyOperation[]) => {
      const results: ClaimResult[] = [];
      for (const operation of operations) {
        if (operation.kind === 'claim') results.push(this.claimOne(operation));
        else this.settleOne(operation);
      }
      return results;
    });
    this.writeSettlements = db.transaction((settlements: Settlement[]) => {
      for (const settlement of settlements) this.settleOne(settlement);
    });
    this.pending = new TurnBuffer((operations) => this.write(operations));
    // A claim still in progress at start belonged to a process that died mid-delivery: its
    // handlers never finished, so a resend must be handled, not answered as a duplicate.
    db.prepare(`DELETE FROM idempotency_keys WHERE state = 'in-progress'`).run();
  }

  claim(key: string, deliveryId: string): Promise<ClaimResult> {
    return new Promise((resolve, reject) => {
      this.assertOpen();
      this.pending.add({ kind: 'claim', key, deliveryId, at: this.now(), resolve, reject });
    });
  }

  async complete(key: string): Promise<void> {
    this.assertOpen();
    this.pending.add({ kind: 'complete', key, at: this.now() });
  }

  async release(key: string): Promise<void> {
    this.assertOpen();
    this.pending.add({ kind: 'release', key, at: this.now() });
  }

  /** Writes what is held back; called at shutdown before the database closes. */
  async close(): Promise<void> {
    if (this.db.open) this.pending.flush();
  }

  private write(operations: KeyOperation[]): void {
    const claims = operations.filter((operation) => operation.kind === 'claim');
    let results: ClaimResult[];
    try {
      results = this.writeAll(operations);
    } catch (error) {
      claims.forEach(({ reject }) => reject(error));
      // The claims' answers are lost either way, but a completion or release left unwritten
      // would leave its key in progress, answering resends as duplicates: try those alone.
      this.retrySettlements(operations.filter((operation): operation is Settlement => operation.kind !== 'claim'));
      return;
    }
    // Only once committed: `claimed` hands the change to the caller.
    claims.forEach(({ resolve }, index) => resolve(results[index]));
  }

  private retrySettlements(settlements: Settlement[]): void {
    if (settlements.length === 0) return;
    try {
      this.writeSettlements(settlements);
    } catch (error) {
      this.options.onUnwrittenSettlements?.(error, settlements.map(({ key }) => key));
    }
  }

  private claimOne({ key, deliveryId, at }: Extract<KeyOperation, { kind: 'claim' }>): ClaimResult {
    if (this.statements.claim.run(key, at + this.options.ttlInSeconds * 1000, deliveryId, at).changes > 0) return { status: 'claimed' };
    const { state, delivery_id } = this.statements.state.get(key) as { state: 'in-progress' | 'done'; delivery_id: string | null };
    return { status: state, ...(delivery_id ? { originalDeliveryId: delivery_id } : {}) };
  }

  private settleOne({ kind, key, at }: Settlement): void {
    if (kind === 'complete') this.statements.complete.run(at + this.options.ttlInSeconds * 1000, key);
    else this.statements.release.run(key);
  }

  /** At once, as a write would: a call after close would otherwise vanish unseen. */
  private assertOpen(): void {
    if (!this.db.open) throw new TypeError('The idempotency store is closed');
  }
}
