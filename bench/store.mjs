#!/usr/bin/env node
// Micro-benchmark of the durable inbox's write path: the real SQLite store (on a file, the
// acknowledgement synced as in production) and the real DeliveryWorker, without HTTP. Like the
// service under load, `--connections` loops each enqueue one event at a time (~1 KB, or
// `--event-bytes`; every 10th about the object of an earlier one, so per-object order has work
// to do), waking the worker after each accepted one, and a no-op handler runs every delivery.
// Measured until every delivery has succeeded and the worker and store are shut down:
// deliveries/s and CPU µs per delivery (the enqueue side included, as the service pays it too).
//
//   node bench/store.mjs [--old /tmp/old-store] [--deliveries 20000] [--warmup 2000] [--event-bytes 1024] [--connections 50] [--concurrency 8] [--rounds 3] [--enqueue-only]
//
// Every event is held in memory for the run: for big events lower --deliveries and --warmup
// (e.g. --event-bytes 102400 --deliveries 2000 --warmup 300).
//
// --enqueue-only runs no worker: the durable acknowledgement alone, whose CPU subtracted from a
// full run's is the worker's share.
//
// Compiles src/ of this checkout (and of --old, e.g. `git worktree add /tmp/old-store HEAD`) with
// SWC and runs each version in a child process of its own, rounds alternating which goes first so
// a busy machine slows both alike. Prints the median of each version and the ratios old/new.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBodyFactory } from './lib/bodies.mjs';
import { integerOption, parseCli } from './lib/cli.mjs';
import { compileSources } from './lib/compile-sources.mjs';
import { median } from './lib/stats.mjs';
import { ROOT } from './lib/targets.mjs';

const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'store-bench');
const ENTRIES = ['store/sqlite/sqlite-database.ts', 'store/sqlite/sqlite-delivery.store.ts', 'delivery/delivery-worker.ts'];
/** The worker's file in a version before issue 21's renames. */
const OLD_WORKER = 'delivery/delivery-worker.service.ts';

/** ENTRIES as `src` (or its compiled `.js` copy) names them: the worker's file was renamed. */
function entriesIn(dir, extension = '.ts') {
  const current = existsSync(path.join(dir, ENTRIES[2].replace(/\.ts$/, extension)));
  return current ? ENTRIES : [...ENTRIES.slice(0, 2), OLD_WORKER];
}

const USAGE = `Usage: node bench/store.mjs [options]

The durable inbox's write path without HTTP: the real SQLite store (synced acknowledgements) and
the real DeliveryWorker, a no-op handler; deliveries/s and CPU µs per delivery, median of each
version, old/new when --old is given. Each version runs in a child process, rounds alternating.

Options:
  --old DIR          another checkout to compare with (git worktree add /tmp/old-store HEAD)
  --deliveries N     deliveries per run (20000)
  --warmup N         deliveries before measuring (2000)
  --event-bytes N    bytes per event (1024); every event is held in memory: for big events lower
                     --deliveries and --warmup
  --connections C    enqueue loops (50)
  --concurrency N    the worker's DELIVERY_CONCURRENCY (8)
  --rounds N         rounds (3)
  --enqueue-only     run no worker: the durable acknowledgement alone
  -h, --help         this text`;

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measureVersion(JSON.parse(process.argv[3]))));
} else {
  await main();
}

async function main() {
  const cli = { name: 'bench/store.mjs', usage: USAGE };
  const { values } = parseCli({
    ...cli,
    options: {
      old: { type: 'string' },
      deliveries: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '2000' },
      'event-bytes': { type: 'string', default: '1024' },
      connections: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '3' },
      'enqueue-only': { type: 'boolean', default: false },
    },
  });
  for (const option of ['deliveries', 'warmup', 'event-bytes', 'connections', 'concurrency', 'rounds']) integerOption(cli, option, values[option], option === 'warmup' ? 0 : 1);
  const versions = [{ label: 'new', root: ROOT }];
  if (values.old) versions.unshift({ label: 'old', root: path.resolve(values.old) });
  for (const version of versions) {
    version.dir = path.join(CACHE_DIR, version.label);
    await compileSources(version.root, entriesIn(path.join(version.root, 'src')), version.dir);
    version.runs = [];
  }
  const settings = {
    deliveries: Number(values.deliveries),
    warmup: Number(values.warmup),
    eventBytes: Number(values['event-bytes']),
    connections: Number(values.connections),
    concurrency: Number(values.concurrency),
    enqueueOnly: values['enqueue-only'],
  };
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? versions : [...versions].reverse();
    for (const version of order) {
      const output = execFileSync(process.execPath, [import.meta.filename, '--child', JSON.stringify({ ...settings, dir: version.dir })], { encoding: 'utf8' });
      const run = JSON.parse(output.trim().split('\n').at(-1));
      version.runs.push(run);
      console.error(`round ${round + 1} ${version.label}: ${fmt(run.perSecond)} deliveries/s, ${fmt(run.cpuPerDeliveryUs)} µs CPU each, acks ${fmt(run.acksPerSecond)}/s`);
    }
  }
  report(versions, settings);
}

function report(versions, { deliveries, eventBytes, connections, concurrency, enqueueOnly }) {
  const worker = enqueueOnly ? 'no worker (enqueue only)' : `DELIVERY_CONCURRENCY ${concurrency}`;
  console.log(`\n${deliveries} deliveries of ~${fmt(eventBytes / 1024)} KB, ${connections} enqueue loops, ${worker}; median of ${versions[0].runs.length} runs each\n`);
  console.log('| version | deliveries/s | acks/s | CPU µs per delivery |');
  console.log('| --- | ---: | ---: | ---: |');
  const medians = versions.map((version) => ({
    label: version.label,
    perSecond: median(version.runs.map((run) => run.perSecond)),
    acksPerSecond: median(version.runs.map((run) => run.acksPerSecond)),
    cpu: median(version.runs.map((run) => run.cpuPerDeliveryUs)),
  }));
  for (const m of medians) console.log(`| ${m.label} | ${fmt(m.perSecond)} | ${fmt(m.acksPerSecond)} | ${fmt(m.cpu)} |`);
  if (medians.length === 2) {
    const [old, now] = medians;
    console.log(`\nnew/old: deliveries/s ${(now.perSecond / old.perSecond).toFixed(2)}×, acks/s ${(now.acksPerSecond / old.acksPerSecond).toFixed(2)}×; ` +
      `CPU per delivery old/new ${(old.cpu / now.cpu).toFixed(2)}× less`);
  }
}

/** In the child: a warm-up run, then the measured one, each on a fresh database file. */
async function measureVersion({ dir, deliveries, warmup, eventBytes, connections, concurrency, enqueueOnly }) {
  const load = (entry) => import(pathToFileURL(path.join(dir, entry.replace(/\.ts$/, '.js'))).href);
  const [{ openDatabase }, { SqliteDeliveryStore }, { DeliveryWorker }] = await Promise.all(entriesIn(dir, '.js').map(load));
  // Since the worker was split (issue 21) it takes a DeliveryAttempt; a version before that, its parts.
  const attemptModule = existsSync(path.join(dir, 'delivery/delivery-attempt.js')) ? await load('delivery/delivery-attempt.ts') : undefined;
  const { default: pino } = await import('pino');
  const logger = pino({ level: 'silent' });
  const newWorker = async (store, dispatcher, metrics, config) => {
    if (!attemptModule) return new DeliveryWorker(store, dispatcher, metrics, config, logger);
    const [{ RedactionPolicy }, { systemClock }] = await Promise.all([load('logging/redaction.policy.ts'), load('common/clock.ts')]);
    const attempt = new attemptModule.DeliveryAttempt(store, dispatcher, metrics, config, logger, new RedactionPolicy(), systemClock);
    return new DeliveryWorker(store, attempt, metrics, config, logger, systemClock);
  };
  const modules = { openDatabase, SqliteDeliveryStore, newWorker };
  const events = makeEvents(warmup + deliveries, eventBytes);
  await runDeliveries(modules, events.slice(0, warmup), connections, concurrency, enqueueOnly);
  return runDeliveries(modules, events.slice(warmup), connections, concurrency, enqueueOnly);
}

async function runDeliveries({ openDatabase, SqliteDeliveryStore, newWorker }, events, connections, concurrency, enqueueOnly) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'orw-store-bench-'));
  const db = openDatabase(dataDir);
  const store = new SqliteDeliveryStore(db, { idempotencyTtlInSeconds: 86_400 });
  let succeeded = 0;
  let allSucceeded;
  const done = new Promise((resolve) => (allSucceeded = resolve));
  const metrics = {
    attempt: (_delivery, _outcome, verdict) => verdict.status === 'succeeded' && ++succeeded === events.length && allSucceeded(),
    interrupted: (count) => count,
  };
  const dispatcher = { dispatch: async () => ({ handled: 1, failures: [] }) };
  const config = { shutdownGraceInMs: 10_000, delivery: { concurrency, maxAttempts: 8, backoffBaseInMs: 1000, backoffMaxInMs: 60_000 } };
  const worker = await newWorker(store, dispatcher, metrics, config);

  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  if (enqueueOnly) allSucceeded();
  else worker.onApplicationBootstrap();
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < events.length) {
        const { id, event } = events[next++];
        const result = await store.enqueue({ id, idempotencyKey: id, event, acceptedAt: Date.now() });
        // An object since the change identities (issue 17), a string before.
        if ((result?.status ?? result) === 'accepted') worker.wake();
      }
    }),
  );
  const ackedAt = performance.now();
  await done;
  await worker.beforeApplicationShutdown();
  store.close();
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);

  const check = openDatabase(dataDir);
  const finished = check.prepare(`SELECT COUNT(*) FROM deliveries WHERE status = ?`).pluck().get(enqueueOnly ? 'queued' : 'succeeded');
  const attempts = enqueueOnly ? events.length : check.prepare(`SELECT COUNT(*) FROM delivery_attempts`).pluck().get();
  check.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (finished !== events.length || attempts !== events.length) throw new Error(`expected ${events.length} stored or handled, found ${finished} (${attempts} attempts)`);
  return {
    perSecond: (events.length * 1000) / elapsedMs,
    acksPerSecond: (events.length * 1000) / (ackedAt - startedAt),
    cpuPerDeliveryUs: (cpu.user + cpu.system) / events.length,
  };
}

/** Events as the service normalises an OpenRegister delivery of `bytes`; every 10th about an earlier object. */
function makeEvents(count, bytes) {
  const factory = createBodyFactory({ secret: 'bench', targetBytes: bytes });
  const events = [];
  for (let index = 0; index < count; index++) {
    const body = JSON.parse(factory.next().body.toString('utf8'));
    const { '@self': meta, id: uuid, ...data } = body.data.object;
    const objectUuid = index % 10 === 9 ? events[index - 5].event.object.uuid : uuid;
    events.push({
      id: `bench-${index}`,
      event: {
        type: 'object.created',
        eventClass: body.event,
        format: 'openregister',
        occurredAt: body.timestamp,
        register: body.data.register,
        schema: body.data.schema,
        object: { uuid: objectUuid, register: meta.register, schema: meta.schema, data, meta },
        webhook: body.webhook,
      },
    });
  }
  return events;
}

function fmt(value) {
  return Math.round(value).toLocaleString('en-US');
}
