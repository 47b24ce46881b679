/**
 * The fake's time: every `DateTime()` the real code takes (object created/updated, feed `time`,
 * audit `created`, webhook `timestamp`) comes from here, so tests can pin or move it. PHP's
 * `format('c')` shows whole seconds, so two writes in one second carry the same text, as on a
 * real server.
 */
export class FakeClock {
  private offsetInMs = 0;
  private pinned: number | null = null;

  constructor(private readonly source: () => number = Date.now) {}

  now(): Date {
    return new Date(this.pinned ?? this.source() + this.offsetInMs);
  }

  /** Pins time to `date` until `advance()` moves it or `release()` lets it run again. */
  set(date: Date | string): void {
    this.pinned = new Date(date).getTime();
  }

  /** Moves time forward (pinned or running). */
  advance(ms: number): void {
    if (this.pinned !== null) this.pinned += ms;
    else this.offsetInMs += ms;
  }

  /** Lets pinned time run on from where it stands. */
  release(): void {
    if (this.pinned === null) return;
    this.offsetInMs = this.pinned - this.source();
    this.pinned = null;
  }
}
