interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
  /** Answers the submitter once its deadline passed (unset without one). */
  timer?: NodeJS.Timeout;
}

/** What a submitter whose deadline passed is answered with. */
export class BatchDeadlineError extends Error {
  constructor(
    readonly timeoutInMs: number,
    /** Whether its batch was being written then: it may still be written after this answer. */
    readonly writing: boolean,
  ) {
    super(
      writing
        ? `No answer from the database within ${timeoutInMs} ms: the write may still complete`
        : `The write could not start within ${timeoutInMs} ms (the previous one still waits on the database): nothing was written`,
    );
    this.name = 'BatchDeadlineError';
  }
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

  /**
   * @param timeoutInMs answer at the latest this long after submitting: a write that has not
   *   started by then is given up (nothing of this item is written), one under way is no longer
   *   waited for (its outcome is unknown to the submitter). Without it, the write's own limits
   *   are the only bound, and an item waits for every batch before its own.
   */
  submit(item: I, timeoutInMs?: number): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const pending: Pending<I, O> = { item, resolve, reject };
      if (timeoutInMs !== undefined) {
        pending.timer = setTimeout(() => {
          const waiting = this.queue.indexOf(pending);
          if (waiting >= 0) this.queue.splice(waiting, 1);
          reject(new BatchDeadlineError(timeoutInMs, waiting < 0));
          if (waiting >= 0) this.next();
        }, timeoutInMs);
        pending.resolve = (result) => (clearTimeout(pending.timer), resolve(result));
        pending.reject = (error) => (clearTimeout(pending.timer), reject(error));
      }
      this.queue.push(pending);
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
    // A settled promise ignores a later answer: one given up at its deadline stays given up.
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
