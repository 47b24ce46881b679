import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { settleWithin } from '../common/settle-within.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { flushLog, PINO_LOGGER } from '../logging/logger.js';

/**
 * Knows whether the service is draining and which deliveries are still in flight. On SIGTERM
 * readiness turns 503 at once, then shutdown waits (up to SHUTDOWN_GRACE_MS) for in-flight
 * deliveries before Nest closes the server and the process exits.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown, OnApplicationShutdown {
  /** When the drain began, on performance.now()'s clock (only its length is told). */
  private drainingSince?: number;
  /** When the drain must end, on performance.now()'s clock. */
  private deadline?: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Other work shutdown waits for (the queued worker's running deliveries), counted when the drain ends. */
  private readonly others = new Map<string, () => number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Names work of another part to report in the "drain finished" line: what was still running then. */
  countAtDrainEnd(name: string, count: () => number): void {
    this.others.set(name, count);
  }

  /** Follows a delivery until it settles, so shutdown can wait for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Starts the drain, once, whichever part's shutdown hook comes first (Nest runs the modules'
   * hooks one module after another): every part drains towards the same deadline, so the drain
   * as a whole ends within SHUTDOWN_GRACE_MS. Returns the deadline (performance.now()'s clock).
   */
  begin(signal?: string): number {
    if (this.deadline !== undefined) return this.deadline;
    this.drainingSince = performance.now();
    this.deadline = this.drainingSince + this.config.shutdownGraceInMs;
    this.logger.info({ signal, inFlight: this.inFlight.size, shutdownGraceMs: this.config.shutdownGraceInMs }, 'Shutting down: readiness is now 503, draining in-flight deliveries');
    return this.deadline;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const deadline = this.begin(signal);
    while (this.inFlight.size > 0 && performance.now() < deadline) {
      await settleWithin([...this.inFlight], deadline - performance.now());
    }
    if (this.inFlight.size > 0) this.logger.warn({ inFlight: this.inFlight.size }, 'Grace period over with deliveries still in flight');
  }

  /**
   * Logs the end of the drain. The log is written asynchronously, and Nest ends the process by re-raising the signal right
   * after these hooks: without a flush the shutdown's last lines could be lost with it.
   */
  async onApplicationShutdown(): Promise<void> {
    // Every part's drain (these hooks run after all beforeApplicationShutdown hooks) is over: one
    // line says so and what was left, so a log that stops here is known to have stopped cleanly.
    const left: Record<string, number> = { inFlight: this.inFlight.size };
    for (const [name, count] of this.others) left[name] = count();
    const durationMs = this.drainingSince === undefined ? 0 : Math.round(performance.now() - this.drainingSince);
    const nothingLeft = Object.values(left).every((count) => count === 0);
    this.logger.info({ ...left, durationMs }, nothingLeft ? `Drain finished after ${durationMs} ms: nothing left` : `Drain finished after ${durationMs} ms with work left (it runs again at the next start)`);
    await flushLog(this.logger, LOG_FLUSH_IN_MS);
  }
}

/** How long shutdown waits at most for the log to be written (a blocked stdout must not hang it). */
const LOG_FLUSH_IN_MS = 2_000;
