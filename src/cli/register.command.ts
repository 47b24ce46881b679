import { randomBytes } from 'node:crypto';
import { isJsonObject } from '../events/safe-object.js';
import { CommandError, httpUrl, UsageError } from './args.js';
import type { Command } from './command.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, describeOpenRegisterError, openRegisterClient } from './connection.js';

/** The only event OpenRegister's webhooks fire for (its listener is registered for creations alone). */
export const OBJECT_CREATED_EVENT = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';

/** Where the service takes OpenRegister's deliveries. */
export const WEBHOOK_PATH = '/webhooks/openregister';

const USAGE = `Usage: openregister-webhooks register --url <url> [--name <name>] [options]

Creates a webhook in OpenRegister (POST /api/webhooks) that sends ObjectCreatedEvent to the service,
signed with a new random secret, and prints the webhook's id and the secret to add to the service's
WEBHOOK_SECRETS.

  --url <url>      the public URL of this service's ${WEBHOOK_PATH} (required)
  --name <name>    the webhook's name in OpenRegister (default: openregister-webhooks)
  -h, --help       this help

${CONNECTION_USAGE}`;

export const registerCommand: Command = {
  name: 'register',
  summary: 'create the webhook in OpenRegister, with a new secret',
  usage: USAGE,
  options: { url: { type: 'string' }, name: { type: 'string' }, ...CONNECTION_OPTIONS },
  async run({ values }, io) {
    if (values.url === undefined) throw new UsageError('--url is required', USAGE);
    const url = httpUrl(values.url as string, '--url', USAGE);
    const name = (values.name as string | undefined) ?? 'openregister-webhooks';
    // OpenRegister accepts any URL; a different path is allowed (an Ingress may rewrite it) but usually a slip.
    if (!new URL(url).pathname.endsWith(WEBHOOK_PATH)) io.err(`warning: --url does not end in ${WEBHOOK_PATH}, where the service takes OpenRegister's deliveries`);
    const { client, connection } = openRegisterClient(values, io);
    const existing = await sameUrl(() => client.get('/webhooks'), url);

    // 32 random bytes, as hex: HMAC-SHA256 gains nothing from a longer key.
    const secret = randomBytes(32).toString('hex');
    let created;
    try {
      // Field names as WebhooksController::create hands them to Webhook::hydrate().
      created = await client.post('/webhooks', { name, url, method: 'POST', events: [OBJECT_CREATED_EVENT], secret, enabled: true });
    } catch (error) {
      throw new CommandError(`could not create the webhook: ${describeOpenRegisterError(error, connection)}`);
    }
    const id = created.id;
    if (typeof id !== 'number' && typeof id !== 'bigint') throw new CommandError(`OpenRegister answered the creation without a webhook id: ${JSON.stringify(Object.keys(created))}`);

    io.out(`Created webhook ${id} "${name}" in OpenRegister for ObjectCreatedEvent, sending to ${url}.`);
    io.out(`Add this secret to the service's WEBHOOK_SECRETS (keep the ones it already has, comma-separated, until no webhook uses them):`);
    io.out(`WEBHOOK_SECRETS=${secret}`);
    if (existing.length > 0) {
      io.err(`note: webhook ${existing.join(', ')} already sent to this URL; delete ${existing.length === 1 ? 'it' : 'them'} in OpenRegister once the service has the new secret, or every creation arrives twice (the second is a duplicate)`);
    }
    io.out(`Then check it: openregister-webhooks check --webhook-id ${id}`);
    return 0;
  },
};

/** Ids of webhooks already sending to `url`; none when the list cannot be read (creating will say why). */
async function sameUrl(list: () => Promise<unknown>, url: string): Promise<string[]> {
  try {
    const answer = await list();
    const results = isJsonObject(answer) && Array.isArray(answer.results) ? answer.results : [];
    return results.filter((webhook) => isJsonObject(webhook) && typeof webhook.url === 'string' && webhook.url.replace(/\/+$/, '') === url).map((webhook) => String((webhook as { id: unknown }).id));
  } catch {
    return [];
  }
}
