import type { AbstractHttpAdapter } from '@nestjs/core';
import type { AppConfig } from '../config/app-config.js';
import type { Intake } from './webhook-request.js';

/** A route that takes deliveries: its method and path, exactly as the controller declares them. */
export interface IntakeRoute {
  method: 'POST';
  url: string;
}

/**
 * The HTTP platform under Nest (HTTP_ADAPTER): the one place that knows Express or Fastify.
 * Both give the same answers byte for byte; they differ in what they cost and in what a
 * module of yours gets (Express middleware or Fastify plugins, see the README).
 */
export interface HttpPlatform {
  /** Nest's adapter, configured: trust proxy, routing, body limit, draining. */
  readonly adapter: AbstractHttpAdapter;
  /**
   * Makes `route` take raw bytes: `intake` runs after routing and before a byte of the body is
   * read (a throw is answered through Nest's exception filters), then the body is read as a
   * Buffer up to WEBHOOK_BODY_LIMIT (413 beyond, from the declared length or while streaming),
   * whatever its Content-Type. Call it before the application is created.
   */
  addIntake(route: IntakeRoute, intake: Intake): void;
}

/** The platform HTTP_ADAPTER names; only its own packages are loaded. */
export async function createHttpPlatform(config: AppConfig): Promise<HttpPlatform> {
  if (config.httpAdapter === 'fastify') return (await import('./fastify.platform.js')).fastifyPlatform(config);
  return (await import('./express.platform.js')).expressPlatform(config);
}
