#!/usr/bin/env node
// Burst scenario (issue 18, "Throughput"): N unique signed 1 KB deliveries sent as fast as the load
// generator can to the queued service, on SQLite and on PostgreSQL, then the time until the worker
// has run the handlers of the last one. Reports acknowledged/s, drained/s, their ratio and the p99
// of the wait from acknowledgement to handler end. `npm run bench:burst` builds and runs it; see
// bench/README.md, "Burst".
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { createBodyFactory, generatePool } from './lib/bodies.mjs';
import { integerOption, parseCli, usageError } from './lib/cli.mjs';
import { ROOT, runBenchmark, SECRET, SERVICE_HEAP_MIB, SIZES, snapshotDist, startTarget } from './lib/targets.mjs';
import { HOST } from './lib/processes.mjs';
import { backendCpuBetween } from './lib/database.mjs';
import { readCpuMs, readMachineBusyMs } from './lib/stats.mjs';

const USAGE = `Usage: node bench/burst.mjs [options]   (npm run bench:burst -- [options])

Sends N unique signed 1 KB deliveries as fast as possible (closed loop) to the queued service on
each store, then waits until the worker has run the handlers of all of them, and reports
acknowledged/s, drained/s (N / time from the first send to the last handler end), their ratio and
the p99 bucket of webhook_delivery_completion_seconds (acknowledgement to handler end).

Options:
  --count N         deliveries per run (20000)
  --connections C   load generator connections (50)
  --stores L        comma list of sqlite,postgres (sqlite,postgres)
  --rounds R        runs per store, each in a fresh process and database (1)
  --drain-timeout S longest wait for the backlog to drain after the last acknowledgement, s (300)
  --service-log F   file for the service's stdout (/dev/null)
  --concurrency N   the service's DELIVERY_CONCURRENCY (its default, 8)
  --json            print the results as JSON on stdout as well
  -h, --help        this text

PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else 127.0.0.1:5432 (user postgres), else
an embedded server (bench/lib/database.mjs); each run gets a database of its own.`;

const STORES = { sqlite: 'queued', postgres: 'postgres' };

function parseOptions(argv) {
  const cli = { name: 'bench/burst.mjs', usage: USAGE };
  const text = { type: 'string' };
  const { values } = parseCli({
    ...cli,
    argv,
    options: { json: { type: 'boolean' }, count: text, connections: text, stores: text, rounds: text, 'drain-timeout': text, 'service-log': text, concurrency: text },
  });
  const opts = {
    json: !!values.json,
    count: integerOption(cli, 'count', values.count ?? '20000', 1),
    connections: integerOption(cli, 'connections', values.connections ?? '50', 1),
    stores: String(values.stores ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean),
    rounds: integerOption(cli, 'rounds', values.rounds ?? '1', 1),
    drainTimeoutSec: integerOption(cli, 'drain-timeout', values['drain-timeout'] ?? '300', 1),
    serviceLog: values['service-log'] ?? '/dev/null',
    concurrency: values.concurrency === undefined ? undefined : integerOption(cli, 'concurrency', values.concurrency, 1),
  };
  for (const s of opts.stores) if (!STORES[s]) usageError(cli.name, `unknown store '${s}' (use ${Object.keys(STORES).join(',')})`, USAGE);
  return opts;
}

const log = (...args) => process.stderr.write(args.join(' ') + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(port) {
  try {
    const res = await fetch(`http://${HOST}:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** Sum of the samples of `name` whose labels contain every one of `labels`. */
function sample(text, name, labels = []) {
  let sum = null;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})?\\s+([0-9.e+-]+)`, 'gm'))) {
    if (!labels.every((l) => (m[1] ?? '').includes(l))) continue;
    sum = (sum ?? 0) + Number(m[2]);
  }
  return sum;
}

/** Cumulative buckets of webhook_delivery_completion_seconds{status="succeeded"}: [[le, count]]. */
function completionBuckets(text) {
  const out = [];
  for (const m of text.matchAll(/^webhook_delivery_completion_seconds_bucket\{([^}]*)\}\s+([0-9.e+-]+)/gm)) {
    if (!m[1].includes('status="succeeded"')) continue;
    const le = /le="([^"]+)"/.exec(m[1])?.[1];
    out.push([le === '+Inf' ? Infinity : Number(le), Number(m[2])]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The upper bound of the bucket the p-th percentile falls in (seconds; Infinity past the last). */
function bucketPercentile(buckets, p) {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (!total) return null;
  const rank = Math.ceil((p / 100) * total);
  return buckets.find(([, n]) => n >= rank)?.[0] ?? Infinity;
}

/** Sends `pool` (each body once) over `connections` connections; resolves when all are answered. */
function sendAll(url, connections, pool) {
  return new Promise((resolve, reject) => {
    let cursor = 0;
    let ok = 0;
    let lastOkAt = 0;
    const statusCodes = {};
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections: Math.min(connections, pool.length),
        amount: pool.length,
        timeout: 30,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'OpenRegister-Webhooks/1.0' },
        requests: [
          {
            setupRequest(req) {
              const item = pool[cursor++ % pool.length];
              req.body = item.body;
              req.headers['X-Webhook-Signature'] = item.signature;
              return req;
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({ ok, lastOkAt, statusCodes, sent: cursor, errors: result.errors, timeouts: result.timeouts });
      },
    );
    instance.on('response', (_client, statusCode) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        lastOkAt = performance.now();
      }
    });
  });
}

async function burst(store, opts, serviceMain, round) {
  const factory = createBodyFactory({ secret: SECRET, targetBytes: SIZES['1kb'].bytes });
  const genStart = performance.now();
  const pool = generatePool(factory, opts.count);
  const genMs = Math.round(performance.now() - genStart);
  const target = await startTarget(STORES[store], {
    serviceLog: opts.serviceLog,
    heapMiB: SERVICE_HEAP_MIB,
    serviceMain,
    serviceEnv: opts.concurrency === undefined ? {} : { DELIVERY_CONCURRENCY: String(opts.concurrency) },
  });
  try {
    // CPU of the service and of its database connections in each phase: where the drain's time goes.
    const cpu = async () => ({
      at: performance.now(),
      service: readCpuMs(target.proc.pid),
      database: (await target.database?.backendCpuMs()) ?? null,
      machine: readMachineBusyMs(),
    });
    const cpu0 = await cpu();
    const firstSendAt = performance.now();
    const sent = await sendAll(target.url, opts.connections, pool);
    const ackMs = sent.lastOkAt - firstSendAt;
    const cpu1 = await cpu();
    // The histogram's count and the attempts counter are live; webhook_queue_depth is a cached read
    // (at most every 5 s), so the time of the last handler end is taken from the live count, and the
    // depth is then awaited as the brief's confirmation.
    const deadline = performance.now() + opts.drainTimeoutSec * 1000;
    let finishedAt = null;
    let last = null;
    let text = null;
    // Handled deliveries about every second after the last acknowledgement: [s after it, count].
    const progress = [];
    while (performance.now() < deadline) {
      text = await scrape(target.port);
      if (text != null) {
        const done = sample(text, 'webhook_delivery_completion_seconds_count', ['status="succeeded"']) ?? 0;
        if (done !== last) last = done;
        const since = (performance.now() - sent.lastOkAt) / 1000;
        if (!progress.length || since - progress.at(-1)[0] >= 1) progress.push([Math.round(since * 10) / 10, done]);
        if (done >= sent.ok) {
          finishedAt = performance.now();
          break;
        }
      }
      if (target.proc.exitInfo) throw new Error(`${target.label} exited during the burst\n${target.proc.stderr.trim()}`);
      await sleep(50);
    }
    const cpu2 = await cpu();
    const phase = (a, b) => ({
      wallMs: Math.round(b.at - a.at),
      serviceCpuMs: a.service != null && b.service != null ? Math.round(b.service - a.service) : null,
      databaseCpuMs: a.database ? Math.round(backendCpuBetween(a.database, b.database)) : null,
      machineBusyMs: Math.round(b.machine - a.machine),
    });
    let depth = null;
    const depthDeadline = performance.now() + 15000;
    while (finishedAt && performance.now() < depthDeadline) {
      const t = await scrape(target.port);
      depth = t == null ? null : sample(t, 'webhook_queue_depth', ['status="succeeded"']);
      if (depth != null && depth >= sent.ok) break;
      await sleep(250);
    }
    const buckets = text ? completionBuckets(text) : [];
    const drainMs = finishedAt == null ? null : finishedAt - firstSendAt;
    const ackPerSec = Math.round((sent.ok * 1000) / ackMs);
    const drainedPerSec = drainMs == null ? null : Math.round((sent.ok * 1000) / drainMs);
    const result = {
      store,
      round,
      label: target.label,
      ...(target.database ? { database: target.database.description } : {}),
      count: opts.count,
      connections: opts.connections,
      acknowledged: sent.ok,
      statusCodes: sent.statusCodes,
      errors: sent.errors,
      timeouts: sent.timeouts,
      poolGenerationMs: genMs,
      ackSeconds: Math.round(ackMs) / 1000,
      drainSeconds: drainMs == null ? null : Math.round(drainMs) / 1000,
      backlogAfterAckSeconds: drainMs == null ? null : Math.round(drainMs - ackMs) / 1000,
      ackPerSec,
      drainedPerSec,
      ratio: drainedPerSec == null ? null : Math.round((drainedPerSec / ackPerSec) * 100) / 100,
      completionP99BucketSeconds: bucketPercentile(buckets, 99),
      completionP50BucketSeconds: bucketPercentile(buckets, 50),
      succeededDepth: depth,
      // Acknowledged but not yet handled at the first reading after the last acknowledgement: a
      // worker that keeps up leaves only what is in flight, one that does not a backlog that grew.
      backlogAtLastAck: progress.length ? sent.ok - progress[0][1] : null,
      progress,
      // CPU ms in the sending phase and in the drain after the last acknowledgement (machine: all
      // processes, of 1000 ms per core per second).
      cpu: { sending: phase(cpu0, cpu1), drainAfterAck: phase(cpu1, cpu2) },
      drained: finishedAt != null,
      handled: last,
    };
    return result;
  } finally {
    await target.stop();
  }
}

const fmtBound = (s) => (s == null ? '–' : s === Infinity ? '> 21600 s' : `≤ ${s} s`);

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const snapshot = path.join(ROOT, 'bench', 'results', `.dist-burst-${process.pid}`);
  mkdirSync(path.dirname(snapshot), { recursive: true });
  const serviceMain = await snapshotDist(snapshot);
  const results = [];
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const store of opts.stores) {
        const r = await burst(store, opts, serviceMain, round);
        results.push(r);
        log(
          `[burst ${store} #${round}] ${r.acknowledged}/${r.count} acknowledged in ${r.ackSeconds} s (${r.ackPerSec}/s); ` +
            (r.drained
              ? `drained in ${r.drainSeconds} s (${r.drainedPerSec}/s, ${r.backlogAfterAckSeconds} s after the last ack); ratio ${r.ratio}; backlog at the last ack ${r.backlogAtLastAck ?? '–'}; ` +
                `ack→handler end p99 ${fmtBound(r.completionP99BucketSeconds)} (p50 ${fmtBound(r.completionP50BucketSeconds)}); ` +
                `drain phase CPU: service ${r.cpu.drainAfterAck.serviceCpuMs} ms, database ${r.cpu.drainAfterAck.databaseCpuMs ?? '–'} ms, machine ${r.cpu.drainAfterAck.machineBusyMs} ms in ${r.cpu.drainAfterAck.wallMs} ms`
              : `NOT drained within ${opts.drainTimeoutSec} s (${r.handled} handled)`),
        );
      }
    }
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
  const rows = results.map(
    (r) =>
      `| ${r.store} | ${r.round} | ${r.acknowledged} | ${r.ackPerSec} | ${r.drainedPerSec ?? '–'} | ${r.ratio ?? '–'} | ${r.backlogAfterAckSeconds ?? '–'} | ${fmtBound(r.completionP99BucketSeconds)} |`,
  );
  process.stdout.write(
    [
      '| store | run | acknowledged | acknowledged/s | drained/s | drained/acknowledged | drain after last ack (s) | ack→handler end p99 |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  if (results.some((r) => !r.drained || r.acknowledged < r.count)) process.exitCode = 1;
}

runBenchmark(main);
