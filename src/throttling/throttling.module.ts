import { DynamicModule, ExecutionContext, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage.js';
import { WebhookThrottlerGuard } from './webhook-throttler.guard.js';

export const UNAUTHENTICATED_THROTTLER = 'unauthenticated';
export const AUTHENTICATED_THROTTLER = 'authenticated';

const isAuthenticated = (context: ExecutionContext) =>
  context.switchToHttp().getRequest<WebhookRequest>().webhookAuth?.ok === true;

/** The two per-address limits of the webhook route; health and metrics are never throttled. */
@Module({})
export class ThrottlingModule {
  static forRoot(throttle: AppConfig['throttle']): DynamicModule {
    return {
      module: ThrottlingModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [Clock],
          useFactory: (clock: Clock) => ({
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
          }),
        }),
      ],
      providers: [WebhookThrottlerGuard],
      exports: [WebhookThrottlerGuard, ThrottlerModule],
    };
  }
}
