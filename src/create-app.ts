import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, AppOptions } from './app.module.js';
import { PinoNestLogger } from './logging/logger.js';

/**
 * Builds the application exactly as production runs it; end-to-end tests use this too. Nest's
 * body parser stays off: the webhook route reads raw bytes itself, signatures need them.
 */
export async function createApp(options: AppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bodyParser: false,
    // Throw instead of exiting, so a wiring error reaches the caller (main logs it and exits 1).
    abortOnError: false,
    logger: new PinoNestLogger(options.logger),
  });
  app.set('trust proxy', options.config.trustProxy);
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  return app;
}
