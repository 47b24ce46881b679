import type { OpenRegisterClient } from '../catchup/openregister-client.js';
import { OpenRegisterError } from '../catchup/openregister-client.js';
import type { OpenRegisterConnection } from '../config/app-config.js';
import { isJsonObject, type JsonObject } from '../events/safe-object.js';
import { httpUrl, wholeNumber } from './args.js';
import type { Command } from './command.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, describeOpenRegisterError, openRegisterClient } from './connection.js';
import { MARK } from './io.js';
import { WEBHOOK_PATH } from './register.command.js';
import { REFUSAL_HINT, testEventCounts, testEventVerdict, type TestEventCounts } from './test-event-metrics.js';

const USAGE = `Usage: openregister-webhooks check [--webhook-id <id>] [--service-url <url>] [options]

Checks, one line each (${MARK.ok} passed, ${MARK.fail} failed, ${MARK.note} works with a limit), and exits 1 if any failed:
  - OpenRegister answers with these credentials (GET /api/registers);
  - whether it has the change feed (GET /api/realtime/cursor), or catch-up reads the audit trail;
  - the audit trail answers (GET /api/audit-trails);
  - the webhook: OpenRegister sends it its test event (POST /api/webhooks/{id}/test), and, with
    --service-url, the service's /metrics counts that event as accepted (OpenRegister reports
    any HTTP answer as delivered, a refusal too).

  --webhook-id <id>     the webhook to test (default: the only one whose URL contains ${WEBHOOK_PATH})
  --service-url <url>   the service itself, to read its /metrics (default: SERVICE_URL; none: not checked)
  -h, --help            this help

${CONNECTION_USAGE}`;

type Mark = keyof typeof MARK;

export const checkCommand: Command = {
  name: 'check',
  summary: "check OpenRegister, its change feed and audit trail, and the webhook's test event",
  usage: USAGE,
  options: { 'webhook-id': { type: 'string' }, 'service-url': { type: 'string' }, ...CONNECTION_OPTIONS },
  async run({ values }, io) {
    const webhookId = wholeNumber(values['webhook-id'], '--webhook-id', { min: 1, max: Number.MAX_SAFE_INTEGER }, USAGE);
    const serviceUrlFlag = (values['service-url'] as string | undefined) ?? io.env.SERVICE_URL;
    const serviceUrl = serviceUrlFlag === undefined || serviceUrlFlag === '' ? undefined : httpUrl(serviceUrlFlag, '--service-url', USAGE);
    const { client, connection } = openRegisterClient(values, io);

    let failed = false;
    const report = (mark: Mark, line: string) => {
      if (mark === 'fail') failed = true;
      io.out(`${MARK[mark]} ${line}`);
    };
    const call = async (path: string): Promise<{ answer: JsonObject } | { error: unknown }> => {
      try {
        return { answer: await client.get(path) };
      } catch (error) {
        return { error };
      }
    };

    const registers = await call('/registers');
    if ('error' in registers) {
      report('fail', describeOpenRegisterError(registers.error, connection));
      // Every other check would fail the same way.
      io.out('  (the other checks need OpenRegister to answer: skipped)');
      return 1;
    }
    const count = Array.isArray(registers.answer.results) ? registers.answer.results.length : 0;
    report('ok', `OpenRegister answers at ${connection.apiUrl} as ${connection.username} (${count} register${count === 1 ? '' : 's'} visible)`);

    const cursor = await call('/realtime/cursor');
    if ('answer' in cursor) report('ok', `change feed available (cursor ${String(cursor.answer.cursor)})`);
    else if (cursor.error instanceof OpenRegisterError && cursor.error.failure === 'not-found') report('note', 'no change feed: catch-up will read the audit trail; it misses bulk imports and purges');
    else report('fail', `change feed: ${describeOpenRegisterError(cursor.error, connection)}`);

    // `_limit=1`: the least to read; `_limit=0` divides by zero in OpenRegister.
    const audit = await call('/audit-trails?_limit=1');
    if ('answer' in audit) report('ok', `audit trail answers (${String(audit.answer.total ?? '?')} entries)`);
    else report('fail', `audit trail: ${describeOpenRegisterError(audit.error, connection)}`);

    const webhook = await findWebhook(client, connection, webhookId);
    if ('problem' in webhook) report('fail', webhook.problem);
    else await testWebhook(client, connection, webhook, serviceUrl, report);

    return failed ? 1 : 0;
  },
};

interface Webhook {
  id: number;
  url: string;
}

/** The webhook to test: the one asked for, or the only one pointing at the service's path. */
async function findWebhook(client: OpenRegisterClient, connection: OpenRegisterConnection, id: number | undefined): Promise<Webhook | { problem: string }> {
  try {
    if (id !== undefined) {
      const webhook = await client.get(`/webhooks/${id}`);
      return { id, url: String(webhook.url) };
    }
    const list = await client.get('/webhooks');
    const ours = (Array.isArray(list.results) ? list.results : []).filter((webhook) => isJsonObject(webhook) && typeof webhook.url === 'string' && webhook.url.includes(WEBHOOK_PATH)) as Record<string, unknown>[];
    if (ours.length === 1) return { id: Number(ours[0].id), url: String(ours[0].url) };
    if (ours.length === 0) return { problem: `webhook: none in OpenRegister sends to a URL containing ${WEBHOOK_PATH}: create one with \`openregister-webhooks register --url …\`` };
    return { problem: `webhook: ${ours.length} in OpenRegister send to ${WEBHOOK_PATH} (ids ${ours.map((webhook) => String(webhook.id)).join(', ')}): name one with --webhook-id` };
  } catch (error) {
    if (error instanceof OpenRegisterError && error.failure === 'not-found' && id !== undefined) return { problem: `webhook ${id}: OpenRegister has no such webhook` };
    return { problem: `webhooks: ${describeOpenRegisterError(error, connection)}` };
  }
}

/** Asks OpenRegister to send the test event; with a service URL, confirms the service took it. */
async function testWebhook(client: OpenRegisterClient, connection: OpenRegisterConnection, webhook: Webhook, serviceUrl: string | undefined, report: (mark: Mark, line: string) => void): Promise<void> {
  let before: TestEventCounts | undefined;
  if (serviceUrl !== undefined) {
    try {
      before = testEventCounts(await scrape(serviceUrl));
    } catch (error) {
      report('fail', `service: cannot read ${serviceUrl}/metrics: ${(error as Error).message}`);
      serviceUrl = undefined;
    }
  }
  try {
    await client.post(`/webhooks/${webhook.id}/test`);
  } catch (error) {
    // A failed test is a 500 whose body carries OpenRegister's reason (the cURL error, a disabled webhook).
    const reason = error instanceof OpenRegisterError && error.status === 500 ? messageOf(error.body) : undefined;
    report('fail', `webhook ${webhook.id}: OpenRegister could not deliver its test event to ${webhook.url}: ${reason ?? describeOpenRegisterError(error, connection)}`);
    return;
  }
  report('ok', `webhook ${webhook.id}: OpenRegister delivered its test event to ${webhook.url}`);
  if (serviceUrl === undefined || before === undefined) {
    if (before === undefined) report('note', 'the service\'s answer to it was not checked (OpenRegister counts a refusal as delivered too): give --service-url or SERVICE_URL');
    return;
  }
  const verdict = await waitForVerdict(serviceUrl, before);
  if (verdict.taken) report('ok', `the service at ${serviceUrl} accepted the test event (its signature matched WEBHOOK_SECRETS)`);
  else if (verdict.refusedAs) report('fail', `the service at ${serviceUrl} refused a delivery as ${verdict.refusedAs} during the test: ${REFUSAL_HINT[verdict.refusedAs]}`);
  else report('fail', `the service at ${serviceUrl} did not count the test event: the webhook's URL (${webhook.url}) reaches another service or replica`);
}

/** The count is taken before the service answers, but a proxy may answer first: look again for a moment. */
async function waitForVerdict(serviceUrl: string, before: TestEventCounts): Promise<ReturnType<typeof testEventVerdict>> {
  // A wait's bound, on the monotonic clock its timers run on: no time of day is read.
  const deadline = performance.now() + 2_000;
  for (;;) {
    const verdict = testEventVerdict(before, testEventCounts(await scrape(serviceUrl).catch(() => '')));
    if (verdict.taken || verdict.refusedAs || performance.now() >= deadline) return verdict;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function scrape(serviceUrl: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message, { cause: error });
  }
  if (!response.ok) throw new Error(`answered ${response.status}`);
  return response.text();
}

/** `message` of OpenRegister's JSON error body (`{success: false, message}`), if it has one. */
function messageOf(body: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as unknown;
    return isJsonObject(parsed) && typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
