import { LoggerService } from '@nestjs/common';
import { once } from 'node:events';
import pino, { DestinationStream, Logger } from 'pino';
import { mergeTraceFields, traceLogFields } from '../tracing/spans.js';
import { logRedactionPaths, REDACTED } from './redact.js';

/** The pino instance every part of the service logs through. */
export const PINO_LOGGER = Symbol('PinoLogger');

/**
 * One JSON line per entry on stdout (or the given stream), credentials blanked: the built-in
 * header names and `redactFields` (REDACT_FIELDS). With tracing on, a line written inside a span
 * carries its `traceId` and `spanId`.
 */
export function createLogger(level: string, destination?: DestinationStream, { redactFields = [] }: { redactFields?: readonly string[] } = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'openregister-webhooks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: logRedactionPaths(redactFields), censor: REDACTED },
      serializers: { err: serializeError },
      mixin: traceLogFields,
      mixinMergeStrategy: mergeTraceFields,
    },
    destination ?? pino.destination({ sync: false }),
  );
}

/**
 * Waits (at most `ms`) until every line logged so far is written. pino's own `flush(cb)` calls back
 * at once on an asynchronous destination with no minimum length (sonic-boom's), so the last
 * lines before the process ends (the shutdown's) were lost now and then. sonic-boom says it is
 * busy in `_writing` only: no public API tells, so this reads it, and a stream without it counts
 * as written.
 */
export async function flushLog(logger: Logger, ms: number): Promise<void> {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { _writing?: boolean; once?: unknown } | undefined;
  if (!stream?._writing || typeof stream.once !== 'function') return;
  const timer = AbortSignal.timeout(ms);
  await once(stream as unknown as NodeJS.EventEmitter, 'drain', { signal: timer }).catch(() => undefined);
}

/**
 * pino's error serializer with a message that says each cause once: pino appends every cause's
 * message to the error's, but our errors usually quote their cause already ("Could not migrate
 * the PostgreSQL schema (DATABASE_URL): connect ECONNREFUSED ..."), which then came out twice.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  if (!(error instanceof Error) || typeof serialized !== 'object' || serialized === null) return serialized;
  let message = error.message;
  for (let cause = error.cause, depth = 0; cause instanceof Error && depth < 10; cause = cause.cause, depth++) {
    if (!message.includes(cause.message)) message += `: ${cause.message}`;
  }
  (serialized as { message: string }).message = message;
  return serialized;
}

/**
 * Nest's own boot narration: a line per module initialised and per route mapped, about 25 at
 * every start. At `debug`, so `info` tells the story (the start line says what started) and the
 * routes are still there for whoever asks. Their warnings and errors keep their level.
 */
export const BOOT_NOISE_CONTEXTS = new Set(['NestFactory', 'NestApplication', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Routes Nest's own log calls (boot, errors) into the same JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write(context !== undefined && BOOT_NOISE_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.write('error', message, context, trace);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string, trace?: string): void {
    const fields: Record<string, unknown> = { context };
    if (trace) fields.stack = trace;
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (message !== null && typeof message === 'object') this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
