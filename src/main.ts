import 'reflect-metadata';
import { loadConfig } from './config/app-config.js';
import { createApp } from './create-app.js';
import { ExtensionsModule } from './extensions/extensions.module.js';
import { createLogger } from './logging/logger.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp({ config, logger, extensions: [ExtensionsModule] });
  // Every interface, IPv6 and IPv4 where the host has IPv6, as Node's own default does.
  await app.listen(config.port, '::').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EAFNOSUPPORT' && error.code !== 'EADDRNOTAVAIL') throw error;
    return app.listen(config.port, '0.0.0.0');
  });
  const url = await app.getUrl();
  logger.info({ url, deliveryMode: config.delivery.mode }, 'openregister-webhooks is listening');
}

void bootstrap();
