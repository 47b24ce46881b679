import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { ForwardHandler } from './forward.handler.js';

/**
 * The built-in forwarding handler, provided only when FORWARD_URLS is set; otherwise an empty
 * module, so no handler is discovered and nothing is forwarded.
 */
@Module({})
export class ForwardingModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (config.forward.urls.length === 0) return { module: ForwardingModule };
    return { module: ForwardingModule, providers: [ForwardHandler] };
  }
}
