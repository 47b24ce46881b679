import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryStore } from '../../delivery-store.js';
import { openDatabase } from '../sqlite-database.js';
import { SqliteDeliveryStore } from '../sqlite-delivery.store.js';
import { TurnBuffer } from '../turn-buffer.js';
import { type StoreCall, type StoreReply, type StoreThreadData, toThreadError } from './store-thread-protocol.js';

/**
 * The delivery store's thread (SQLITE_STORE_THREAD=true): the SQLite adapter as it is, on a
 * connection of its own, so its statements, transactions and JSON run beside the event loop
 * instead of on it. Replies of one turn go back in one message, as calls come in one.
 */
const port = parentPort;
if (!port) throw new Error('delivery-store.worker runs as a worker thread only');
const data = workerData as StoreThreadData;
/** The caller's clock at the call being run: the adapter reads the time through it. */
let callerNow = 0;

const replies = new TurnBuffer<StoreReply>((batch) => port.postMessage(batch));
const store = new SqliteDeliveryStore(openDatabase(data.dataDir), {
  idempotencyTtlInSeconds: data.idempotencyTtlInSeconds,
  groupCommit: data.groupCommit,
  now: () => callerNow,
  onUnrecordedAttempts: (error, deliveryIds) => replies.add({ kind: 'unrecorded', error: toThreadError(error), deliveryIds }),
});
store.onWake(() => replies.add({ kind: 'wake' }));

const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
const callable = new Set<string>(['enqueue', 'claimDue', 'finishAttempt', 'release', 'requeueInterrupted', 'nextDueAt', 'get', 'list', 'replay', 'replayDead', 'deleteFinishedBefore', 'counts', 'checkWritable', 'close'] satisfies (keyof DeliveryStore)[]);

port.on('message', (calls: StoreCall[]) => {
  for (const { id, method, args, now } of calls) {
    callerNow = now;
    let result: Promise<unknown>;
    try {
      if (!callable.has(method)) throw new TypeError(`The delivery store has no method ${method}`);
      result = methods[method].apply(store, args);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => replies.add({ kind: 'result', id, value }),
      (error: unknown) => replies.add({ kind: 'error', id, error: toThreadError(error) }),
    );
  }
});
replies.add({ kind: 'open' });
