import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemClock } from './common/clock.js';
import { AppModule, AppOptions } from './app.module.js';
import { createHttpPlatform } from './http/http-platform.js';
import { webhookIntake } from './ingest/webhook-intake.js';
import { WEBHOOK_ROUTE } from './ingest/webhook.controller.js';
import { PinoNestLogger } from './logging/logger.js';

/**
 * Builds the application exactly as production runs it; end-to-end tests use this too. The HTTP
 * platform is HTTP_ADAPTER's (`src/http/`); the webhook route's intake (delivery id, address,
 * media type) and raw-body reader are the platform's, added before Nest registers its routes.
 */
export async function createApp(options: AppOptions): Promise<INestApplication> {
  const { config, clock = systemClock } = options;
  const platform = await createHttpPlatform(config);
  platform.addIntake(WEBHOOK_ROUTE, webhookIntake(config, clock));
  const app = await NestFactory.create(AppModule.forRoot({ ...options, clock }), platform.adapter, {
    // Bodies stay raw bytes (signatures need them): the platform reads them, never a parser.
    bodyParser: false,
    // Throw instead of exiting, so a wiring error reaches the caller (main logs it and exits 1).
    abortOnError: false,
    logger: new PinoNestLogger(options.logger),
  });
  app.enableShutdownHooks();
  return app;
}
