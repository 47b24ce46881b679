import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config.js';

/** A handler as the start line lists it. */
export interface StartedHandler {
  name: string;
  events: readonly string[];
}

/** The service's version, from the package.json beside `dist/` (the image copies it). */
export function serviceVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The fields of the one `info` line that says what actually started: version, platform, store,
 * mode, handlers, limits and the optional features, so an operator reading a log (or a support
 * request) need not reconstruct it from the environment. Never a credential: only whether one is set.
 */
export function startLineFields(config: AppConfig, handlers: readonly StartedHandler[], version = serviceVersion()): Record<string, unknown> {
  return {
    version,
    platform: config.httpAdapter,
    store: config.delivery.store,
    mode: config.delivery.mode,
    handlers: handlers.map(({ name, events }) => ({ name, events: [...events] })),
    limits: {
      bodyLimitBytes: config.webhook.bodyLimitInBytes,
      handlerTimeoutMs: config.handlerTimeoutInMs,
      deliveryConcurrency: config.delivery.concurrency,
      deliveryMaxAttempts: config.delivery.maxAttempts,
      shutdownGraceMs: config.shutdownGraceInMs,
    },
    features: {
      catchUp: config.catchup !== undefined,
      forwarding: config.forward.urls.length > 0,
      adminApi: Boolean(config.adminToken) && config.delivery.mode === 'queued',
      previousStateTracking: config.trackPreviousState,
      auditLog: config.auditLogEnabled,
      ipAllowlist: config.ipAllowlist.length > 0,
      adminIpAllowlist: config.adminIpAllowlist.length > 0,
      unauthenticated: config.webhook.allowUnauthenticated,
      tracing: config.tracing !== undefined,
    },
  };
}
