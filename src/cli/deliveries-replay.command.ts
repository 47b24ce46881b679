import { UsageError } from './args.js';
import { AdminClient, ADMIN_OPTIONS, ADMIN_USAGE } from './admin-client.js';
import type { Command } from './command.js';

const USAGE = `Usage: openregister-webhooks deliveries replay <id> | --all-dead [options]

Queues deliveries again through the service's admin API, each as a fresh series of attempts:
one dead or succeeded delivery (POST /admin/deliveries/<id>/replay), or every dead letter
(POST /admin/deliveries/replay).

  <id>          the delivery's id (from \`deliveries list\`)
  --all-dead    every dead letter instead
  -h, --help    this help

${ADMIN_USAGE}`;

export const deliveriesReplayCommand: Command = {
  name: 'deliveries replay',
  summary: 'queue a dead or succeeded delivery, or every dead letter, again (admin API)',
  usage: USAGE,
  options: { 'all-dead': { type: 'boolean' }, ...ADMIN_OPTIONS },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }, io) {
    const allDead = values['all-dead'] === true;
    if (allDead === (positionals.length === 1)) throw new UsageError(allDead ? 'give a delivery id or --all-dead, not both' : 'give a delivery id or --all-dead', USAGE);
    const admin = AdminClient.from(values, io, USAGE);
    if (allDead) {
      const { replayed } = await admin.request('POST', '/replay');
      io.out(`Replayed ${String(replayed)} dead letter(s).`);
    } else {
      const id = positionals[0];
      await admin.request('POST', `/${encodeURIComponent(id)}/replay`);
      io.out(`Delivery ${id} is queued again.`);
    }
    return 0;
  },
};
