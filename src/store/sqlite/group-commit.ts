import { TurnBuffer } from './turn-buffer.js';

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects writes that arrive close together and commits them in one transaction, so one disk
 * sync covers many acknowledgements. A lone write waits only for the current turn of the event
 * loop (setImmediate), so it is not delayed noticeably. When a `sync` is given, a batch's writes
 * are answered once it resolves, while the next batches already commit: deliveries that arrive
 * during a sync simply make the next batch bigger.
 */
export class GroupCommit<T, R> {
  private readonly pending = new TurnBuffer<Pending<T, R>>((entries) => this.flush(entries));

  /**
   * @param commit writes a whole batch in one transaction and returns one result per item.
   * @param maxBatch the most items one transaction takes; 1 means one sync per write.
   * @param sync makes what was committed durable; without it, a commit is answered at once.
   */
  constructor(
    private readonly commit: (items: T[]) => R[],
    private readonly maxBatch = 1000,
    private readonly sync?: () => Promise<void>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => this.pending.add({ item, resolve, reject }));
  }

  private flush(entries: Pending<T, R>[]): void {
    const batch = entries.splice(0, this.maxBatch);
    // More than one transaction takes: the rest go first in the next turn's batch.
    for (const rest of entries) this.pending.add(rest);
    let results: R[];
    try {
      results = this.commit(batch.map(({ item }) => item));
    } catch (error) {
      batch.forEach(({ reject }) => reject(error));
      return;
    }
    const answer = () => batch.forEach(({ resolve }, index) => resolve(results[index]));
    if (!this.sync) return answer();
    this.sync().then(answer, (error: unknown) => batch.forEach(({ reject }) => reject(error)));
  }
}
