import { parseArgs } from 'node:util';

/** What `node dist/main.js --help` prints. */
export const SERVICE_USAGE = `Usage: node dist/main.js   (npm start; the image's command)

openregister-webhooks: receives OpenRegister and Nextcloud webhooks, proves they are genuine,
stores them durably (SQLite, or PostgreSQL for several replicas) and runs the handlers registered
for each event. Serves POST /webhooks/openregister, /health/live, /health/ready, /metrics and /admin.

It takes no options: every setting is an environment variable (PORT, WEBHOOK_SECRETS, STORE_DRIVER,
DELIVERY_MODE, ...), checked at start-up; a bad value stops it with a message naming the variable.
Every variable, its default and its meaning: docs/configuration.md.

Operator commands (register the webhook, check a configuration, list and replay deliveries):
  openregister-webhooks --help       (npx openregister-webhooks --help; docs/cli.md)

Options:
  -h, --help   this text`;

/** What the command line asks for: run the service, print the usage, or a mistake to report. */
export type ServiceCommandLine = { kind: 'run' } | { kind: 'help' } | { kind: 'mistake'; message: string };

/**
 * The service's own arguments (after `node dist/main.js`). It has no options but `--help`; anything
 * else is a mistake, reported rather than ignored (someone who typed `--port 8080` should learn
 * that PORT is an environment variable, not find the service on 3000).
 */
export function readServiceCommandLine(args: readonly string[]): ServiceCommandLine {
  if (args.includes('--help') || args.includes('-h')) return { kind: 'help' };
  try {
    parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: false });
  } catch (error) {
    return { kind: 'mistake', message: (error as Error).message.split('. ')[0].replace(/\.$/, '') };
  }
  return { kind: 'run' };
}
