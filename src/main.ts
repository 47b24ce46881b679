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
  await app.listen(config.port);
  const url = await app.getUrl();
  logger.info({ url, deliveryMode: config.delivery.mode }, 'openregister-webhooks is listening');
}

void bootstrap();
