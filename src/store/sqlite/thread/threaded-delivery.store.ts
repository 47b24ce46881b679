import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OpenRegisterEvent } from '../../../events/openregister-event.js';
import type {
  AttemptVerdict,
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryQuery,
  DeliveryStore,
  EnqueueResult,
  NewDelivery,
  StoredDelivery,
  StoredDeliveryStatus,
} from '../../delivery-store.js';
import { WakeListeners } from '../../wake-listeners.js';
import { TurnBuffer } from '../turn-buffer.js';
import { fromThreadError, type StoreCall, type StoreReply, type StoreThreadData } from './store-thread-protocol.js';

export interface ThreadedDeliveryStoreOptions extends StoreThreadData {
  /** The app's clock (ms since the epoch): the thread reads the time of each call as the caller saw it. */
  now: () => number;
  onUnrecordedAttempts?: (error: Error, deliveryIds: string[]) => void;
  /** Told once when the thread stops after its start without being closed; every call is refused from then on. */
  onStopped?: (error: Error) => void;
  /** Called once closed: the event loop's own connection (the other stores') closes after this one. */
  onClosed?: () => void;
  /** The thread's script; by default the built one (`storeThreadScript`). */
  script?: URL;
}

/**
 * The thread runs compiled JavaScript: the script beside this module in the build, or, when this
 * module runs from the sources (Jest transforms them in memory), the build's (`npm test` builds first).
 */
export function storeThreadScript(): URL {
  const beside = new URL('./delivery-store.worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL(beside.href.replace(/\/src\/store\/sqlite\/thread\//, '/dist/store/sqlite/thread/'));
}

/**
 * The SQLite delivery store on a thread of its own (SQLITE_STORE_THREAD=true): the same adapter,
 * on its own connection to the same file, so the event loop only hands over structured clones
 * of each call and its answer. The calls of one turn go over in one message. Once the thread
 * has stopped unasked, every call rejects, so readiness (checkWritable) says so.
 */
export class ThreadedDeliveryStore implements DeliveryStore {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  private readonly calls = new TurnBuffer<StoreCall>((calls) => this.worker.postMessage(calls));
  private readonly wakeListeners = new WakeListeners();
  private nextId = 1;
  private stopped?: Error;
  private closing = false;
  private open = false;
  private readonly opened: Promise<void>;

  private constructor(private readonly options: ThreadedDeliveryStoreOptions) {
    const { dataDir, idempotencyTtlInSeconds, groupCommit } = options;
    this.worker = new Worker(options.script ?? storeThreadScript(), { workerData: { dataDir, idempotencyTtlInSeconds, groupCommit } satisfies StoreThreadData });
    let markOpen!: () => void;
    this.opened = new Promise((resolve) => (markOpen = resolve));
    this.worker.on('message', (replies: StoreReply[]) => replies.forEach((reply) => this.receive(reply, markOpen)));
    this.worker.on('error', (error) => this.stop(error));
    this.worker.on('exit', (code) => this.stop(new Error(`The delivery store's thread exited (code ${code})`)));
  }

  /** Starts the thread and resolves once it has opened the database; rejects with why it could not. */
  static async start(options: ThreadedDeliveryStoreOptions): Promise<ThreadedDeliveryStore> {
    const store = new ThreadedDeliveryStore(options);
    const failed = new Promise<never>((_, reject) => store.worker.once('error', reject).once('exit', (code) => reject(new Error(`The delivery store's thread exited at start (code ${code})`))));
    await Promise.race([store.opened, failed]);
    failed.catch(() => undefined);
    return store;
  }

  enqueue(delivery: NewDelivery): Promise<EnqueueResult> {
    return this.call('enqueue', delivery);
  }
  claimDue(limit: number, now: number): Promise<ClaimedDelivery[]> {
    return this.call('claimDue', limit, now);
  }
  finishAttempt(claim: ClaimedDelivery, attempt: DeliveryAttempt, verdict: AttemptVerdict, scrubbedEvent?: OpenRegisterEvent): Promise<void> {
    return this.call('finishAttempt', claim, attempt, verdict, scrubbedEvent);
  }
  release(claims: ClaimedDelivery[]): Promise<void> {
    return this.call('release', claims);
  }
  requeueInterrupted(now: number): Promise<number> {
    return this.call('requeueInterrupted', now);
  }
  nextDueAt(): Promise<number | undefined> {
    return this.call('nextDueAt');
  }
  onWake(listener: () => void): void {
    this.wakeListeners.add(listener);
  }
  get(id: string): Promise<(StoredDelivery & { history: DeliveryAttempt[] }) | undefined> {
    return this.call('get', id);
  }
  list(query: DeliveryQuery): Promise<{ items: StoredDelivery[]; total: number }> {
    return this.call('list', query);
  }
  replay(id: string, now: number): Promise<boolean> {
    return this.call('replay', id, now);
  }
  replayDead(now: number): Promise<number> {
    return this.call('replayDead', now);
  }
  deleteFinishedBefore(before: number): Promise<number> {
    return this.call('deleteFinishedBefore', before);
  }
  counts(): Promise<Record<StoredDeliveryStatus, number>> {
    return this.call('counts');
  }
  checkWritable(): Promise<void> {
    return this.call('checkWritable');
  }

  /**
   * Closes the database on its thread (held-back attempts written), then ends the thread, and
   * then `onClosed` runs, also when the thread had already stopped.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (!this.stopped) await this.call('close');
    } finally {
      await this.worker.terminate();
      this.options.onClosed?.();
    }
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.closing && method !== 'close') return Promise.reject(new TypeError('The delivery store is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.calls.add({ id, method, args, now: this.options.now() });
    });
  }

  private receive(reply: StoreReply, markOpen: () => void): void {
    if (reply.kind === 'open') {
      this.open = true;
      return markOpen();
    }
    if (reply.kind === 'wake') return this.wakeListeners.notify();
    if (reply.kind === 'unrecorded') {
      const error = fromThreadError(reply.error);
      if (this.options.onUnrecordedAttempts) this.options.onUnrecordedAttempts(error, reply.deliveryIds);
      else process.emitWarning(`Could not record the attempts of ${reply.deliveryIds.join(', ')}: ${error.message}`);
      return;
    }
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.kind === 'result') pending?.resolve(reply.value as never);
    else pending?.reject(fromThreadError(reply.error));
  }

  /** The thread is gone: what was asked of it is refused, and so is everything after. */
  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = this.closing ? new TypeError('The delivery store is closed') : error;
    for (const { reject } of this.pending.values()) reject(this.stopped);
    this.pending.clear();
    if (this.open && !this.closing) this.options.onStopped?.(error);
  }
}
