import { DynamicModule, Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { AdminAddressGuard } from './admin-address.guard.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminController } from './admin.controller.js';

/**
 * The admin API under `/admin`, on only when ADMIN_TOKEN is set and DELIVERY_MODE=queued (inline
 * mode stores nothing to administer); otherwise an empty module, so its routes are 404s.
 */
@Module({})
export class AdminModule implements OnApplicationBootstrap {
  /** The store and the worker come from the global `DeliveryModule` the app imports. */
  static forRoot(config: AppConfig): DynamicModule {
    if (!isAdminEnabled(config)) return { module: AdminModule };
    return { module: AdminModule, controllers: [AdminController], providers: [AdminAddressGuard, AdminTokenGuard] };
  }

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.adminToken && this.config.delivery.mode !== 'queued') {
      this.logger.warn('ADMIN_TOKEN is set but the admin API needs DELIVERY_MODE=queued (inline mode stores no deliveries): /admin is off');
    } else if (isAdminEnabled(this.config)) {
      this.logger.info('Admin API on at /admin/deliveries');
    }
  }
}

export function isAdminEnabled(config: AppConfig): boolean {
  return Boolean(config.adminToken) && config.delivery.mode === 'queued';
}
