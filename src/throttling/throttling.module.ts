import { ConfigurableModuleAsyncOptions, ConfigurableModuleBuilder, DynamicModule, ExecutionContext, Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage.js';
import { WebhookThrottlerGuard } from './webhook-throttler.guard.js';

export const UNAUTHENTICATED_THROTTLER = 'unauthenticated';
export const AUTHENTICATED_THROTTLER = 'authenticated';

/** The throttling module's options: its slice of the configuration (THROTTLE_*). */
export type ThrottlingOptions = AppConfig['throttle'];

/** The injection token of the throttling module's options. */
export const THROTTLING_OPTIONS = Symbol('ThrottlingOptions');

const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<ThrottlingOptions>({
  optionsInjectionToken: THROTTLING_OPTIONS,
})
  .setClassMethodName('forRoot')
  .build();

/**
 * Holds the options and exports them, so that `ThrottlerModule.forRootAsync` (a module of its own,
 * which sees only what it imports) can inject them.
 */
@Module({})
class ThrottlingOptionsModule extends ConfigurableModuleClass {
  static override forRoot(options: ThrottlingOptions): DynamicModule {
    return { ...super.forRoot(options), exports: [THROTTLING_OPTIONS] };
  }

  static override forRootAsync(options: ConfigurableModuleAsyncOptions<ThrottlingOptions>): DynamicModule {
    return { ...super.forRootAsync(options), exports: [THROTTLING_OPTIONS] };
  }
}

const isAuthenticated = (context: ExecutionContext) =>
  context.switchToHttp().getRequest<WebhookRequest>().webhookAuth?.ok === true;

/** @nestjs/throttler's options for the webhook route's two limits, counted on the app's clock. */
function throttlerOptions(throttle: ThrottlingOptions, clock: Clock): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: UNAUTHENTICATED_THROTTLER,
        limit: throttle.unauthenticated.limit,
        ttl: throttle.unauthenticated.ttlInSeconds * 1000,
        skipIf: isAuthenticated,
      },
      {
        name: AUTHENTICATED_THROTTLER,
        limit: throttle.authenticated.limit,
        ttl: throttle.authenticated.ttlInSeconds * 1000,
        skipIf: (context) => !isAuthenticated(context),
      },
    ],
    // Counters only; the X-RateLimit-* headers would cost time on every delivery.
    setHeaders: false,
    // The windows are counted on the app's clock, so tests can move time through them.
    storage: new FixedWindowThrottlerStorage(clock),
  };
}

/**
 * The two per-address limits of the webhook route; health and metrics are never throttled.
 * `forRoot(options)` or `forRootAsync({ inject, useFactory })`, as Nest's own modules take theirs.
 */
@Module({})
export class ThrottlingModule {
  static forRoot(options: ThrottlingOptions): DynamicModule {
    return ThrottlingModule.around(ThrottlingOptionsModule.forRoot(options));
  }

  static forRootAsync(options: ConfigurableModuleAsyncOptions<ThrottlingOptions>): DynamicModule {
    return ThrottlingModule.around(ThrottlingOptionsModule.forRootAsync(options));
  }

  private static around(optionsModule: DynamicModule): DynamicModule {
    return {
      module: ThrottlingModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [optionsModule],
          inject: [THROTTLING_OPTIONS, Clock],
          useFactory: throttlerOptions,
        }),
      ],
      providers: [WebhookThrottlerGuard],
      exports: [WebhookThrottlerGuard, ThrottlerModule],
    };
  }
}
