import type { OpenRegisterEvent } from '../../events/openregister-event.js';

/**
 * Events this process stored a moment ago, by delivery id, so the worker that claims them gets
 * the object itself instead of parsing the stored JSON back. Bounded in entries and in JSON
 * characters (a backlog or big bodies must not hold memory without limit): when full it takes no
 * more, and the worker parses those from the row as it does after a restart.
 */
export class EventHandoff {
  private readonly events = new Map<string, { event: OpenRegisterEvent; size: number }>();
  private chars = 0;

  constructor(
    private readonly maxEntries = 4096,
    private readonly maxChars = 8 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.events.size;
  }

  /** Keeps `event` (whose JSON is `size` characters long) for delivery `id`, if there is room. */
  offer(id: string, event: OpenRegisterEvent, size: number): void {
    if (this.events.size >= this.maxEntries || this.chars + size > this.maxChars) return;
    this.events.set(id, { event, size });
    this.chars += size;
  }

  /** The event kept for `id`, once: a later attempt reads the stored row. */
  take(id: string): OpenRegisterEvent | undefined {
    const entry = this.events.get(id);
    if (!entry) return undefined;
    this.events.delete(id);
    this.chars -= entry.size;
    return entry.event;
  }
}
