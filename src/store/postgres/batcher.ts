interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for a database across the network: while one batch is being written, what
 * arrives waits and goes in the next batch, so N concurrent deliveries cost about one round trip
 * and one commit instead of N, and a lone delivery is written at once (no timer, no added wait).
 */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  /** Batches being written. */
  private inFlight = 0;
  /** Items in the batches being written. */
  private writing = 0;
  private idle: (() => void)[] = [];

  /**
   * @param write writes a batch in one step and answers for each item, in order; a rejection
   *   fails every item of its batch (nothing of it was written).
   * @param maxBatch items per write at most.
   * @param maxInFlight writes under way at once.
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
    private readonly maxInFlight = 1,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  /** Items submitted and not yet answered. */
  get pending(): number {
    return this.queue.length + this.writing;
  }

  /** Resolves once everything submitted so far is answered. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private next(): void {
    if (this.pending === 0) {
      this.idle.splice(0).forEach((resolve) => resolve());
      return;
    }
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight++;
    this.writing += batch.length;
    this.write(batch.map(({ item }) => item)).then(
      (results) => batch.forEach(({ resolve }, index) => resolve(results[index])),
      (error: unknown) => batch.forEach(({ reject }) => reject(error)),
    ).finally(() => {
      this.inFlight--;
      this.writing -= batch.length;
      this.next();
    });
  }
}
