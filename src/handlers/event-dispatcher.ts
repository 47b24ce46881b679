import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { OpenRegisterEvent, TEST_EVENT_TYPE } from '../events/openregister-event.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { traceHandlerRun } from '../tracing/attempt-span.js';
import { HandlerExplorer } from './handler-explorer.js';
import { matchingHandlers, RegisteredHandler } from './handler-matching.js';
import { DeliveryContext } from './webhook-event-handler.js';

export interface HandlerFailure {
  handler: string;
  error: string;
}

export interface DispatchResult {
  /** How many handlers took the event; 0 means nobody subscribes to it. The attempt span reports it (`webhook.handlers`). */
  handled: number;
  failures: HandlerFailure[];
}

/** The delivery as the caller knows it; each handler run gets a signal of its own from it. */
export interface DispatchContext extends Omit<DeliveryContext, 'signal'> {
  /** Aborted when this process gives the delivery up (queued mode: its lease was lost); absent inline. */
  signal?: AbortSignal;
}

/**
 * Runs every handler whose subscription matches, side by side, and waits for all of them:
 * one failing handler neither stops the others nor hides their failures. A handler that does
 * not settle within HANDLER_TIMEOUT_MS counts as failed; its signal aborts then, so it can stop
 * its own calls.
 */
@Injectable()
export class EventDispatcher {
  constructor(
    private readonly explorer: HandlerExplorer,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly redaction: RedactionPolicy,
  ) {}

  /**
   * True when at least one handler would take this event. OpenRegister's test button
   * (`TestEvent`) is wanted by nobody: it is answered and handled by no one, even `*` handlers.
   */
  wants(event: OpenRegisterEvent): boolean {
    return event.type !== TEST_EVENT_TYPE && matchingHandlers(this.explorer.handlers, event).length > 0;
  }

  async dispatch(event: OpenRegisterEvent, delivery: DispatchContext): Promise<DispatchResult> {
    const handlers = matchingHandlers(this.explorer.handlers, event);
    const outcomes = await Promise.all(handlers.map((handler) => traceHandlerRun(handler.name, event.type, () => this.run(handler, event, delivery))));
    return { handled: handlers.length, failures: outcomes.filter((failure): failure is HandlerFailure => failure !== undefined) };
  }

  /**
   * One log line per run: debug when the handler succeeded (built only when debug is on: this is
   * the request path in inline mode), warn when it failed or timed out. The delivery's own
   * outcome line, and the worker's dead-letter error, say what became of the delivery.
   */
  private async run(handler: RegisteredHandler, event: OpenRegisterEvent, delivery: DispatchContext): Promise<HandlerFailure | undefined> {
    const stopTimer = this.metrics.handlerDuration.startTimer({ event: event.type, handler: handler.name });
    const run = new RunSignal(this.config.handlerTimeoutInMs, delivery.signal);
    const context: DeliveryContext = {
      deliveryId: delivery.deliveryId,
      attempt: delivery.attempt,
      get signal() {
        return run.signal;
      },
    };
    try {
      // The run ends when its signal aborts (timed out, lease lost), whatever the handler does with it.
      await Promise.race([Promise.resolve().then(() => handler.instance.handle(event, context)), run.aborted]);
      const seconds = stopTimer();
      this.metrics.handlerRuns.inc({ event: event.type, handler: handler.name, outcome: 'success' });
      if (this.logger.isLevelEnabled('debug')) {
        this.logger.debug(runLine(handler, event, context, 'success', seconds), `Handler ${handler.name} ran`);
      }
      return undefined;
    } catch (error) {
      const seconds = stopTimer();
      const outcome = error instanceof HandlerTimeoutError ? 'timeout' : 'failure';
      this.metrics.handlerRuns.inc({ event: event.type, handler: handler.name, outcome });
      // A handler's message may quote a credential it was given (a token it called back with):
      // the message is logged, stored as the delivery's lastError and shown by the admin API.
      const message = this.redaction.redactText(error instanceof Error ? error.message : String(error), event);
      const err = this.redaction.redactError(error, event);
      this.logger.warn({ ...runLine(handler, event, context, outcome, seconds), err }, `Handler ${handler.name} failed: ${message}`);
      return { handler: handler.name, error: message };
    } finally {
      run.end();
    }
  }
}

/** The fields of a handler's run line; `outcome` as in `webhook_handler_runs_total`. */
function runLine(handler: RegisteredHandler, event: OpenRegisterEvent, context: DeliveryContext, outcome: string, seconds: number) {
  return {
    handler: handler.name,
    event: event.type,
    deliveryId: context.deliveryId,
    attempt: context.attempt,
    outcome,
    durationMs: Math.round(seconds * 1e4) / 10,
  };
}

/** The reason a run's signal aborts with when the run took longer than HANDLER_TIMEOUT_MS. */
export class HandlerTimeoutError extends Error {
  constructor(timeoutInMs: number) {
    super(`timed out after ${timeoutInMs} ms`);
  }
}

/**
 * One handler run's signal: aborted with a HandlerTimeoutError after `timeoutInMs`, or with the
 * outer signal's reason when that aborts first. Each run has its own, so one handler's timeout
 * leaves the others' signals alone.
 *
 * The `AbortController` is built only when the handler reads its signal (most never do, and in
 * inline mode each run is on the request path); the run itself ends through `aborted` either way.
 * A plain controller, timer and listener, held until `end()`, not `AbortSignal.any` or
 * `AbortSignal.timeout`: on Node 20 a fetch given such a composite loses its link to it after a
 * garbage collection (nodejs/node#55428; src/common/deadline.ts tells the story).
 */
class RunSignal {
  private controller?: AbortController;
  private abortedWith?: { reason: unknown };
  private rejectRun!: (reason: unknown) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly followOuter = () => this.abort(this.outer!.reason);
  /** Rejects with the abort reason when the run is aborted; never settles otherwise. */
  readonly aborted: Promise<never>;

  constructor(
    timeoutInMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.aborted = new Promise<never>((_resolve, reject) => (this.rejectRun = reject));
    // Raced against the handler: an abort that loses the race is not an unhandled rejection.
    this.aborted.catch(() => undefined);
    if (outer?.aborted) this.followOuter();
    else outer?.addEventListener('abort', this.followOuter, { once: true });
    this.timer = setTimeout(() => this.abort(new HandlerTimeoutError(timeoutInMs)), timeoutInMs);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** The run is over: no timeout, no forwarding; a signal not aborted by now stays so. */
  end(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.followOuter);
  }

  private abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    this.rejectRun(reason);
  }
}
