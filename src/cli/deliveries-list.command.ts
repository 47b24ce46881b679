import { UsageError, wholeNumber } from './args.js';
import { AdminClient, ADMIN_OPTIONS, ADMIN_USAGE } from './admin-client.js';
import type { Command } from './command.js';
import { cell, table } from './io.js';

const STATUSES = ['queued', 'processing', 'succeeded', 'dead'];

const USAGE = `Usage: openregister-webhooks deliveries list [--status <status>] [--since <date>] [--limit <n>] [--json] [options]

Lists the service's deliveries, newest first, through its admin API (GET /admin/deliveries).

  --status <status>   queued, processing, succeeded or dead (default: all)
  --since <date>      only those created at or after this ISO 8601 date or time (2026-12-01, 2026-12-01T08:00:00Z)
  --limit <n>         at most this many, 1 to 10000 (default: 50)
  --json              one JSON array of the admin API's items instead of a table
  -h, --help          this help

${ADMIN_USAGE}`;

/** The admin API's largest page. */
const PAGE = 500;

interface Summary {
  id: string;
  status: string;
  eventType: string;
  source: string;
  objectUuid?: string;
  attempts: number;
  lastError?: string;
  createdAt: string;
}

export const deliveriesListCommand: Command = {
  name: 'deliveries list',
  summary: "list the service's deliveries (admin API)",
  usage: USAGE,
  options: { status: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, ...ADMIN_OPTIONS },
  async run({ values }, io) {
    const status = values.status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`, USAGE);
    const since = values.since === undefined ? undefined : Date.parse(values.since as string);
    if (since !== undefined && Number.isNaN(since)) throw new UsageError(`--since must be an ISO 8601 date or time, not '${String(values.since)}'`, USAGE);
    const limit = wholeNumber(values.limit, '--limit', { min: 1, max: 10_000 }, USAGE) ?? 50;
    const admin = AdminClient.from(values, io, USAGE);

    // The admin API filters by status only and lists newest first: `--since` is applied here,
    // reading pages until one reaches back past it.
    const items: Summary[] = [];
    const seen = new Set<string>();
    for (let offset = 0; items.length < limit; offset += PAGE) {
      const query = new URLSearchParams({ limit: String(since === undefined ? Math.min(PAGE, limit - items.length) : PAGE), offset: String(offset), ...(status ? { status } : {}) });
      const page = (await admin.request('GET', `?${query}`)).items as Summary[];
      const recent = since === undefined ? page : page.filter((item) => Date.parse(item.createdAt) >= since);
      // New deliveries arriving meanwhile shift the pages: one already listed may come again.
      items.push(...recent.filter((item) => !seen.has(item.id) && seen.add(item.id)).slice(0, limit - items.length));
      if (page.length < PAGE || recent.length < page.length) break;
    }

    if (values.json === true) io.out(JSON.stringify(items, null, 2));
    else if (items.length === 0) io.out('No deliveries.');
    else {
      const rows = items.map((item) => [item.id, item.status, item.eventType, item.source, cell(item.objectUuid), String(item.attempts), cell(item.lastError, 100)]);
      io.out(table(['ID', 'STATUS', 'EVENT', 'SOURCE', 'OBJECT', 'ATTEMPTS', 'LAST ERROR'], rows));
    }
    return 0;
  },
};
