import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, systemClock } from './common/clock.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { PINO_LOGGER } from './logging/logger.js';
import { RedactionPolicy } from './logging/redaction.policy.js';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
}

/** The validated configuration, the logger, the clock and the redaction policy, for every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, logger, clock = systemClock }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: PINO_LOGGER, useValue: logger },
        { provide: Clock, useValue: clock },
        { provide: RedactionPolicy, useValue: new RedactionPolicy(config.redactFields) },
      ],
      exports: [APP_CONFIG, PINO_LOGGER, Clock, RedactionPolicy],
    };
  }
}
