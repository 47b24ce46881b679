/**
 * Collects writes made during one turn of the event loop and hands them to `write` together at
 * its end (setImmediate), so many small writes share one transaction. Whoever needs them
 * written sooner takes them (`take`) or writes them now (`flush`).
 */
export class TurnBuffer<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly write: (items: T[]) => void) {}

  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Everything collected so far; the caller writes it. */
  take(): T[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  flush(): void {
    if (this.items.length > 0) this.write(this.take());
  }
}
