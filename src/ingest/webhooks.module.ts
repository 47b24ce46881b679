import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnModuleInit, Provider } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuthenticatedGuard } from '../auth/authenticated.guard.js';
import { IpAllowlist } from '../auth/ip-allowlist.js';
import { ipAllowlistCheck } from '../auth/ip-allowlist.check.js';
import { WebhookAuthGuard } from '../auth/webhook-auth.guard.js';
import { WebhookAuthenticator } from '../auth/webhook-authenticator.service.js';
import { WebhookErrorFilter } from '../common/webhook-error.filter.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryOutcomeRecorder } from '../delivery/delivery-outcome.recorder.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { ThrottlingModule } from '../throttling/throttling.module.js';
import { addIntakeHook } from './intake.hook.js';
import { mediaTypeCheck } from './media-type.check.js';
import { ParseDeliveryPipe } from './parse-delivery.pipe.js';
import { WEBHOOK_ROUTE, WebhookController } from './webhook.controller.js';

/**
 * The ingest path of a delivery: trace → IP allowlist → media type → (raw body) → authenticate → throttle →
 * parse/validate/normalise → the delivery strategy the `delivery` module provides.
 */
@Module({})
export class WebhooksModule implements OnModuleInit, OnApplicationBootstrap {
  static forRoot(config: AppConfig, delivery: DynamicModule): DynamicModule {
    const providers: Provider[] = [
      WebhookAuthenticator,
      WebhookAuthGuard,
      AuthenticatedGuard,
      ParseDeliveryPipe,
      DeliveryOutcomeRecorder,
      { provide: APP_FILTER, useClass: WebhookErrorFilter },
    ];
    return {
      module: WebhooksModule,
      imports: [ThrottlingModule.forRoot(config.throttle), delivery],
      controllers: [WebhookController],
      providers,
    };
  }

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The checks before the body is read: address, then media type (see `addIntakeHook`). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    addIntakeHook(fastify, WEBHOOK_ROUTE, [ipAllowlistCheck(new IpAllowlist(this.config.ipAllowlist)), mediaTypeCheck]);
  }

  onApplicationBootstrap(): void {
    const { secrets, tokens } = this.config.webhook;
    if (secrets.length === 0 && tokens.length === 0) {
      this.logger.warn('WEBHOOK_ALLOW_UNAUTHENTICATED=true and no WEBHOOK_SECRETS or WEBHOOK_TOKENS: anyone who can reach this service can trigger handlers');
    }
  }
}
