#!/usr/bin/env node
// Scrape cost with a long history (issue 18, "Metrics that never fail"): the queued service on
// PostgreSQL with a million finished deliveries in its table, scraped at /metrics N times.
// Reports p50/p95/p99/max of one scrape (request to last byte); with --old, of another build beside
// it under the same load. `npm run bench:scrape` builds and runs it; see bench/README.md, "Scrape".
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { integerOption, parseCli } from './lib/cli.mjs';
import { HOST } from './lib/processes.mjs';
import { readCpuMs } from './lib/stats.mjs';
import { ROOT, metricValue, runBenchmark, snapshotDist, startTarget } from './lib/targets.mjs';

const USAGE = `Usage: node bench/scrape.mjs [options]   (npm run bench:scrape -- [options])

Starts the queued service on PostgreSQL (a throwaway database of its own), fills its table with
--rows finished deliveries (one in 100 dead, the rest succeeded) in one INSERT ... SELECT
generate_series, waits until /metrics shows them, then scrapes /metrics --scrapes times, one after
the other with --interval-ms between them, and prints the p50, p95, p99 and max of one scrape and
the service's CPU per scrape (its background work included).
With --old, a second build runs beside it on a database of its own filled the same way, and each
round scrapes both, alternating which goes first: on a busy machine only that comparison means much.

Options:
  --old DIR         a checkout of another version, built (git archive <commit> | tar -x -C DIR,
                    link node_modules, npx nest build there), measured beside this one
  --rows N          finished deliveries in the table (1000000)
  --scrapes N       scrapes measured (300)
  --interval-ms MS  pause between two scrapes (100; the service refreshes its queue counts on its own)
  --no-vacuum       leave the filled table as it is (no VACUUM ANALYZE, as before autovacuum ran)
  --service-log F   file for the service's stdout (/dev/null)
  --json            print the result as JSON on stdout as well
  -h, --help        this text

PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else 127.0.0.1:5432 (user postgres), else
an embedded server (bench/lib/database.mjs).`;

function parseOptions(argv) {
  const cli = { name: 'bench/scrape.mjs', usage: USAGE };
  const text = { type: 'string' };
  const { values } = parseCli({
    ...cli,
    argv,
    options: { json: { type: 'boolean' }, 'no-vacuum': { type: 'boolean' }, old: text, rows: text, scrapes: text, 'interval-ms': text, 'service-log': text },
  });
  return {
    json: !!values.json,
    old: values.old ? path.resolve(values.old) : undefined,
    vacuum: !values['no-vacuum'],
    rows: integerOption(cli, 'rows', values.rows ?? '1000000', 0),
    scrapes: integerOption(cli, 'scrapes', values.scrapes ?? '300', 1),
    intervalMs: integerOption(cli, 'interval-ms', values['interval-ms'] ?? '100', 0),
    serviceLog: values['service-log'] ?? '/dev/null',
  };
}

const log = (...args) => process.stderr.write(args.join(' ') + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Finished deliveries as the worker leaves them: scrubbed event, one attempt, completed. */
async function fill(url, rows, vacuum) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    await client.query(
      `INSERT INTO deliveries (id, idempotency_key, object_key, event, status, attempts, next_attempt_at, created_at, updated_at, completed_at)
       SELECT 'bench-' || g, 'bench-key-' || g, 'object-' || (g % 10000), '{"event":"object.updated","data":{"object":{"uuid":"' || md5(g::text) || '"}}}',
         CASE WHEN g % 100 = 0 THEN 'dead' ELSE 'succeeded' END, 1, $1::bigint, $1::bigint - g, $1::bigint, $1::bigint
       FROM generate_series(1, $2::bigint) g`,
      [now, rows],
    );
    if (vacuum) await client.query('VACUUM ANALYZE deliveries');
  } finally {
    await client.end();
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (ms) => Math.round(ms * 10) / 10;

/** Starts `label`'s build on a database of its own and fills it; resolves once /metrics shows the rows. */
async function startFilled(label, serviceMain, opts) {
  const target = await startTarget('postgres', { serviceLog: opts.serviceLog, serviceMain });
  log(`[scrape ${label}] ${target.database.description}; filling ${opts.rows} finished deliveries${opts.vacuum ? ' (then VACUUM ANALYZE)' : ''}`);
  const started = performance.now();
  await fill(target.database.url, opts.rows, opts.vacuum);
  log(`[scrape ${label}] filled in ${Math.round((performance.now() - started) / 1000)} s; waiting for /metrics to show them`);
  const deadline = Date.now() + 120_000;
  while ((await metricValue(target.port, 'webhook_queue_depth', ['status="succeeded"', 'status="dead"'])) !== opts.rows) {
    if (Date.now() > deadline) throw new Error(`${label}: /metrics did not show ${opts.rows} finished deliveries within 120 s`);
    await sleep(500);
  }
  return { label, target, times: [], failed: 0 };
}

async function scrapeOnce(side) {
  const started = performance.now();
  const res = await fetch(`http://${HOST}:${side.target.port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  side.times.push(performance.now() - started);
  if (res.status !== 200) side.failed++;
}

function summary(side, opts) {
  const sorted = [...side.times].sort((a, b) => a - b);
  return {
    build: side.label,
    rows: opts.rows,
    vacuumed: opts.vacuum,
    scrapes: side.times.length,
    intervalMs: opts.intervalMs,
    failed: side.failed,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1)),
    // The service's CPU while it was scraped, its background work (worker, probes) included.
    serviceCpuMsPerScrape: round(side.cpuMs / side.times.length),
    database: side.target.database.description,
  };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const builds = [['this', path.join(ROOT, 'dist')], ...(opts.old ? [['old', path.join(opts.old, 'dist')]] : [])];
  // This build runs from a copy: a rebuild during the run cannot pull it away (bench/lib/targets.mjs).
  const snapshot = path.join(ROOT, 'bench', 'results', `.dist-scrape-${process.pid}`);
  const sides = [];
  try {
    for (const [label, dist] of builds) {
      const serviceMain = label === 'this' ? await snapshotDist(snapshot) : path.join(dist, 'main.js');
      sides.push(await startFilled(label, serviceMain, opts));
    }
    log(`[scrape] measuring ${opts.scrapes} scrapes of each build, ${opts.intervalMs} ms apart`);
    for (const side of sides) side.cpuBefore = readCpuMs(side.target.proc.pid);
    for (let i = 0; i < opts.scrapes; i++) {
      for (const side of i % 2 ? [...sides].reverse() : sides) await scrapeOnce(side);
      if (opts.intervalMs > 0) await sleep(opts.intervalMs);
    }
    for (const side of sides) side.cpuMs = readCpuMs(side.target.proc.pid) - side.cpuBefore;
    const results = sides.map((side) => summary(side, opts));
    process.stdout.write(
      [
        '| build | finished rows | scrapes | interval | non-200 | p50 | p95 | p99 | max | service CPU per scrape |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...results.map(
          (r) => `| ${r.build} | ${r.rows} | ${r.scrapes} | ${r.intervalMs} ms | ${r.failed} | ${r.p50Ms} ms | ${r.p95Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.serviceCpuMsPerScrape} ms |`,
        ),
        '',
      ].join('\n'),
    );
    if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    if (results.some((r) => r.failed > 0)) process.exitCode = 1;
  } finally {
    await Promise.all(sides.map((side) => side.target.stop()));
    rmSync(snapshot, { recursive: true, force: true });
  }
}

runBenchmark(main);
