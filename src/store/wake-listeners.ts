/**
 * The `onWake` side of a delivery store: the listeners told that deliveries may have become due.
 * The store calls them itself, after whatever made deliveries due is durable, so nothing that
 * writes through the store (intake, admin replays, catch-up) needs to know the worker.
 */
export class WakeListeners {
  private readonly listeners: (() => void)[] = [];

  add(listener: () => void): void {
    this.listeners.push(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
