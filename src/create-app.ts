import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, AppOptions } from './app.module.js';
import { acceptRawBodies } from './ingest/raw-body.parser.js';
import { PinoNestLogger } from './logging/logger.js';

/**
 * Builds the application exactly as production runs it; end-to-end tests use this too. Fastify,
 * because the sender waits for our answer: Nest on Express cost about 2.5× the CPU per request
 * of Nest on Fastify here (bench/README.md). Bodies stay raw bytes: signatures need them.
 */
export async function createApp(options: AppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    // A hop count works (fastify/lib/request.js) though Fastify's types leave numbers out.
    trustProxy: config.trustProxy as boolean | string[],
    bodyLimit: config.webhook.bodyLimitInBytes,
    // While draining, queued mode still takes deliveries (the senders never retry): Fastify's
    // 503 for requests arriving during close would lose them.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  acceptRawBodies(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bodyParser: false,
    // Throw instead of exiting, so a wiring error reaches the caller (main logs it and exits 1).
    abortOnError: false,
    logger: new PinoNestLogger(options.logger),
  });
  app.enableShutdownHooks();
  return app;
}
