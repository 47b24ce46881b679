/**
 * Where catch-up stands, shared by every replica: the checkpoint of each source it reads and the
 * lease that lets one replica at a time read. A port (token of the same name); the adapter is the
 * one STORE_DRIVER names, on the same storage as the inbox.
 */
export interface CatchupStateStore {
  /**
   * Takes the reader lease for `owner`, or renews it when `owner` holds it already, for `leaseInMs`
   * from now (the store's clock). True when `owner` holds it afterwards; false while another
   * owner's lease has not lapsed.
   */
  acquireLease(owner: string, leaseInMs: number): Promise<boolean>;
  /** Gives the lease up (at shutdown), so another replica need not wait for it to lapse. */
  releaseLease(owner: string): Promise<void>;
  /** The checkpoint of `source` (`feed`, `audit-trail`), undefined before the first one. */
  readCheckpoint(source: string): Promise<string | undefined>;
  /**
   * Moves the checkpoint of `source` to `value`, only while `owner` holds the lease (fencing: a
   * reader whose lease lapsed meanwhile writes nothing). False when it wrote nothing.
   */
  writeCheckpoint(source: string, value: string, owner: string): Promise<boolean>;
}

export const CatchupStateStore = Symbol('CatchupStateStore');
