import 'reflect-metadata';
import { loadConfig } from './config/app-config.js';
import { createApp } from './create-app.js';
import { ANY_IPV4, ANY_IPV6, assertPortFree, describeAddress, isNoIpv6, portErrorLine } from './common/listen-port.js';
import { ExtensionsModule } from './extensions/extensions.module.js';
import { HandlerExplorer } from './handlers/handler-explorer.js';
import { armShutdownDeadline } from './health/shutdown-deadline.js';
import { createLogger } from './logging/logger.js';
import { startLineFields } from './logging/start-line.js';
import { readServiceCommandLine, SERVICE_USAGE } from './service-usage.js';

/** A setting the service cannot start with: one message on stderr, exit 1, nothing booted. */
function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function bootstrap(): Promise<void> {
  // Before the configuration: --help must work without one, and start nothing.
  const commandLine = readServiceCommandLine(process.argv.slice(2));
  if (commandLine.kind === 'help') {
    process.stdout.write(`${SERVICE_USAGE}\n`);
    return;
  }
  if (commandLine.kind === 'mistake') {
    process.stderr.write(`openregister-webhooks: ${commandLine.message}\n\n${SERVICE_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  let config;
  try {
    config = loadConfig(process.env);
    await assertPortFree(config.port);
  } catch (error) {
    refuse((error as Error).message);
  }
  const logger = createLogger(config.logLevel, undefined, { redactFields: config.redactFields });
  armShutdownDeadline(logger, config.shutdownGraceInMs);
  // Nest has logged what failed (with its stack); the operator gets its one line on stderr too,
  // e.g. a DATA_DIR that another process holds or a database that cannot be reached.
  const app = await createApp({ config, logger, extensions: [ExtensionsModule] }).catch((error: unknown) =>
    refuse(error instanceof Error ? error.message : String(error)),
  );
  // Start the modules before listening, so a wiring error (a handler's event type) is reported
  // as itself: inside listen() it read "listening on PORT=… failed", blaming the port.
  await app.init().catch((error: unknown) => refuse(`Cannot start: ${error instanceof Error ? error.message : String(error)}`));
  await app
    .listen(config.port, ANY_IPV6)
    .catch((error: NodeJS.ErrnoException) => (isNoIpv6(error) ? app.listen(config.port, ANY_IPV4) : Promise.reject(error)))
    .catch((error: NodeJS.ErrnoException) => {
      // Taken since the check above: still one line naming PORT; any other failure its own line.
      refuse(portErrorLine(error, config.port) ?? `Cannot start: listening on PORT=${config.port} failed: ${error.message}`);
    });
  const listening = describeAddress(app.getHttpServer().address());
  const handlers = app.get(HandlerExplorer).handlers.map(({ name, options }) => ({ name, events: options.events }));
  const fields = startLineFields(config, handlers);
  // The one line that says what started (Nest's own boot lines are at debug).
  logger.info({ listening, ...fields }, `openregister-webhooks ${String(fields.version)} is listening on ${listening} (${config.httpAdapter}, ${config.delivery.store} store, ${config.delivery.mode} mode, ${handlers.length} handler(s))`);
}

void bootstrap();
