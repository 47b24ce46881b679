import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { OpenRegisterEvent, TEST_EVENT_TYPE } from '../events/openregister-event.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { traceHandlerRun } from '../tracing/attempt-span.js';
import { HandlerExplorer } from './handler-explorer.service.js';
import { matchingHandlers, RegisteredHandler } from './handler-registry.js';
import { DeliveryContext } from './webhook-event-handler.js';

export interface HandlerFailure {
  handler: string;
  error: string;
}

export interface DispatchResult {
  /** How many handlers took the event; 0 means nobody subscribes to it. */
  handled: number;
  failures: HandlerFailure[];
}

/**
 * Runs every handler whose subscription matches, side by side, and waits for all of them:
 * one failing handler neither stops the others nor hides their failures. A handler that does
 * not settle within HANDLER_TIMEOUT_MS counts as failed.
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

  async dispatch(event: OpenRegisterEvent, context: DeliveryContext): Promise<DispatchResult> {
    const handlers = matchingHandlers(this.explorer.handlers, event);
    const outcomes = await Promise.all(handlers.map((handler) => traceHandlerRun(handler.name, event.type, () => this.run(handler, event, context))));
    return { handled: handlers.length, failures: outcomes.filter((failure): failure is HandlerFailure => failure !== undefined) };
  }

  /**
   * One log line per run: debug when the handler succeeded (built only when debug is on: this is
   * the request path in inline mode), warn when it failed or timed out. The delivery's own
   * outcome line, and the worker's dead-letter error, say what became of the delivery.
   */
  private async run(handler: RegisteredHandler, event: OpenRegisterEvent, context: DeliveryContext): Promise<HandlerFailure | undefined> {
    const stopTimer = this.metrics.handlerDuration.startTimer({ event: event.type, handler: handler.name });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HandlerTimeoutError(this.config.handlerTimeoutInMs)), this.config.handlerTimeoutInMs);
        // Given up (lease lost): the run ends now, whatever the handler does with the signal.
        context.signal?.addEventListener('abort', () => reject(context.signal!.reason), { once: true });
      });
      await Promise.race([Promise.resolve().then(() => handler.instance.handle(event, context)), timeout]);
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
      clearTimeout(timer);
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

class HandlerTimeoutError extends Error {
  constructor(timeoutInMs: number) {
    super(`timed out after ${timeoutInMs} ms`);
  }
}
