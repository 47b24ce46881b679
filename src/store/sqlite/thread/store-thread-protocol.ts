/**
 * What crosses between the event loop and the delivery store's thread: method names, structured
 * clones of their arguments and results, and errors as plain data (a clone of an Error keeps
 * neither its class nor a `code`).
 */

/** One call of a `DeliveryStore` method; `now` is the caller's clock when it was made. */
export interface StoreCall {
  id: number;
  method: string;
  args: unknown[];
  now: number;
}

export interface ThreadError {
  name: string;
  message: string;
  code?: string;
}

export type StoreReply =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: ThreadError }
  /** Deliveries may have become due (the store's `onWake`). */
  | { kind: 'wake' }
  /** Held-back attempts that could not be written (the store's `onUnrecordedAttempts`). */
  | { kind: 'unrecorded'; error: ThreadError; deliveryIds: string[] }
  /** The database is open: calls are taken from now on. */
  | { kind: 'open' };

/** What the thread is started with (`workerData`). */
export interface StoreThreadData {
  dataDir: string;
  idempotencyTtlInSeconds: number;
  groupCommit: boolean;
}

export function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

export function fromThreadError({ name, message, code }: ThreadError): Error {
  const error = name === 'TypeError' ? new TypeError(message) : new Error(message);
  if (name !== error.name) error.name = name;
  return code === undefined ? error : Object.assign(error, { code });
}
