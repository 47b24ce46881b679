import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { AuthenticatedGuard } from '../auth/authenticated.guard.js';
import { WebhookAuthGuard } from '../auth/webhook-auth.guard.js';
import { WebhookAuthenticator } from '../auth/webhook-authenticator.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryOutcomeRecorder } from './delivery-outcome.recorder.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { ThrottlingModule } from '../throttling/throttling.module.js';
import { ParseDeliveryPipe } from './parse-delivery.pipe.js';
import { WebhookErrorFilter } from './webhook-error.filter.js';
import { WebhookController } from './webhook.controller.js';

/**
 * The ingest path of a delivery: trace → IP allowlist → media type (`webhookIntake`, which the HTTP
 * platform runs before the body is read) → (raw body) → authenticate → throttle →
 * parse/validate/normalise → the delivery strategy the `delivery` module provides.
 */
@Module({
  imports: [ThrottlingModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => config.throttle })],
  controllers: [WebhookController],
  providers: [
    WebhookAuthenticator,
    WebhookAuthGuard,
    AuthenticatedGuard,
    ParseDeliveryPipe,
    DeliveryOutcomeRecorder,
    { provide: APP_FILTER, useClass: WebhookErrorFilter },
  ],
})
export class WebhooksModule implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const { secrets, tokens } = this.config.webhook;
    if (secrets.length === 0 && tokens.length === 0) {
      this.logger.warn('WEBHOOK_ALLOW_UNAUTHENTICATED=true and no WEBHOOK_SECRETS or WEBHOOK_TOKENS: anyone who can reach this service can trigger handlers');
    }
  }
}
