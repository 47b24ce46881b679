#!/usr/bin/env node
// Benchmark of the webhook receiver against the simplest receivers and the machine's floor.
// `npm run bench` builds the service and runs this file; see bench/README.md for what it measures.
//
// Options: USAGE below. Profiling the service under the same load: bench/profile.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createBodyFactory, createBodySupply, generatePool } from './lib/bodies.mjs';
import { parseCli, usageError } from './lib/cli.mjs';
import { runLoad } from './lib/load.mjs';
import { describeMachine, machineLine } from './lib/machine.mjs';
import { HOST, sampleMemory } from './lib/processes.mjs';
import { addRatios, evaluateTargets, renderMarkdown, TARGET_CONNECTIONS } from './lib/report.mjs';
import { backendCpuBetween } from './lib/database.mjs';
import { judgeHostSpeed, probeHost } from './lib/host-speed.mjs';
import { readCpuMs, readMachineBusyMs, slope, toMB, waitIdle, waitMachineQuiet } from './lib/stats.mjs';
import {
  deliveriesByOutcome,
  metricValue,
  ROOT,
  runBenchmark,
  SECRET,
  SERVICE_ENV,
  SERVICE_HEAP_MIB,
  SIZES,
  snapshotDist,
  startTarget,
  TARGETS,
  WEBHOOK_PATH,
} from './lib/targets.mjs';

const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

const USAGE = `Usage: node bench/run.mjs [options]   (npm run bench -- [options]: builds first)

The webhook receiver against the simplest receivers and the machine's floor (bench/README.md).

Options (option or environment variable; the option wins):
  --quick            BENCH_QUICK=1         smoke run of about 1.5 minutes (short runs, 50 connections)
  --duration S       BENCH_DURATION        seconds per run with 1 KB bodies (8; quick 3)
  --duration-big S   BENCH_DURATION_BIG    seconds per run with 100 KB / 1 MB bodies (4; quick 2)
  --warmup S         BENCH_WARMUP          warm-up seconds per process and body size (2; quick 1)
  --sustained S      BENCH_SUSTAINED       sustained-load seconds, 0 to skip (60; quick 10)
  --target-rounds N  BENCH_TARGET_ROUNDS   alternating rounds the ratio targets are judged on, 0: the sweep's runs (3; quick 0)
  --connections L    BENCH_CONNECTIONS     comma list (1,10,50,100; quick 50)
  --sizes L          BENCH_SIZES           comma list of 1kb,100kb,1mb
  --targets L        BENCH_TARGETS         comma list of queued,queued-fastify,postgres,inline,inline-fastify,naive,floor (all)
  --pool-mb N        BENCH_POOL_MB         memory cap of one pre-generated body pool (768)
  --service-log F    BENCH_SERVICE_LOG     file for the service's stdout (default /dev/null)
  --wait-quiet S     BENCH_WAIT_QUIET      before each run, wait up to S s for other processes to go quiet (0)
  --out F            BENCH_OUT             results JSON path (bench/results/<timestamp>.json)
  --heap-mib N       BENCH_HEAP_MIB        the service's V8 heap ceiling, as the chart sets it (256); 0: Node's default
  BENCH_ENV_<NAME>=value                   extra environment variable NAME for the service
  -h, --help                               this text
Profiling the service under the same load: bench/profile.mjs.`;

function parseOptions(argv, env) {
  const cli = { name: 'bench/run.mjs', usage: USAGE };
  const flags = ['duration', 'duration-big', 'warmup', 'sustained', 'target-rounds', 'connections', 'sizes', 'targets', 'pool-mb', 'service-log', 'wait-quiet', 'out', 'heap-mib'];
  const { values } = parseCli({ ...cli, argv, options: { quick: { type: 'boolean' }, ...Object.fromEntries(flags.map((flag) => [flag, { type: 'string' }])) } });
  const fail = (message) => usageError(cli.name, message, USAGE);
  const get = (flag, name, fallback) => values[flag] ?? env[name] ?? fallback;
  const truthy = (v) => v != null && !['', '0', 'false', 'no'].includes(String(v).toLowerCase());
  const quick = truthy(get('quick', 'BENCH_QUICK'));
  const list = (v) => String(v).split(',').map((s) => s.trim()).filter(Boolean);
  const num = (v, name) => {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n) || n < 0) fail(`--${name} takes a non-negative number, not '${v}'`);
    return n;
  };
  const opts = {
    quick,
    durationSec: num(get('duration', 'BENCH_DURATION', quick ? 3 : 8), 'duration'),
    durationBigSec: num(get('duration-big', 'BENCH_DURATION_BIG', quick ? 2 : 4), 'duration-big'),
    warmupSec: num(get('warmup', 'BENCH_WARMUP', quick ? 1 : 2), 'warmup'),
    sustainedSec: num(get('sustained', 'BENCH_SUSTAINED', quick ? 10 : 60), 'sustained'),
    targetRounds: num(get('target-rounds', 'BENCH_TARGET_ROUNDS', quick ? 0 : 3), 'target-rounds'),
    connections: list(get('connections', 'BENCH_CONNECTIONS', quick ? '50' : '1,10,50,100')).map((c) => num(c, 'connections')),
    sizes: list(get('sizes', 'BENCH_SIZES', '1kb,100kb,1mb')),
    targets: list(get('targets', 'BENCH_TARGETS', 'queued,queued-fastify,postgres,inline,inline-fastify,naive,floor')),
    poolMB: num(get('pool-mb', 'BENCH_POOL_MB', 768), 'pool-mb'),
    serviceLog: get('service-log', 'BENCH_SERVICE_LOG', '/dev/null'),
    heapMiB: num(get('heap-mib', 'BENCH_HEAP_MIB', SERVICE_HEAP_MIB), 'heap-mib'),
    waitQuietSec: num(get('wait-quiet', 'BENCH_WAIT_QUIET', 0), 'wait-quiet'),
    out: get('out', 'BENCH_OUT'),
    serviceEnv: Object.fromEntries(
      Object.entries(env)
        .filter(([k]) => k.startsWith('BENCH_ENV_'))
        .map(([k, v]) => [k.slice('BENCH_ENV_'.length), v]),
    ),
  };
  for (const s of opts.sizes) if (!SIZES[s]) fail(`unknown size '${s}' (use ${Object.keys(SIZES).join(',')})`);
  for (const t of opts.targets) if (!TARGETS[t]) fail(`unknown target '${t}' (use ${Object.keys(TARGETS).join(',')})`);
  if (opts.connections.some((c) => !Number.isInteger(c) || c < 1)) fail('--connections takes positive integers');
  return opts;
}

const log = (...args) => process.stderr.write(args.join(' ') + '\n');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const snapshot = path.join(RESULTS_DIR, `.dist-${stamp}`);

/** Starts a target with this run's options (service log, extra env). */
function start(name, opts) {
  return startTarget(name, { serviceLog: opts.serviceLog, serviceEnv: opts.serviceEnv, heapMiB: opts.heapMiB, serviceMain: opts.serviceMain });
}

function diffCounts(before, after) {
  if (!before || !after) return null;
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}

// Enough bodies for three times the best rate seen so far (a warm process can be much faster than its
// warm-up), capped by memory; unused ones go to the next run of the same process.
function poolCount(size, estRps, seconds, opts, factor = 3) {
  const cap = Math.max(200, Math.floor((opts.poolMB * 1024 * 1024) / (SIZES[size].bytes + 512)));
  // big bodies are slow to generate (a 1 MB one takes ~3.5 ms) and their rates vary less
  const f = SIZES[size].bytes > 64 * 1024 ? Math.min(factor, 2) : factor;
  const want = Math.ceil(estRps * seconds * f) + (SIZES[size].bytes > 64 * 1024 ? 150 : 1000);
  return Math.min(cap, want);
}

/** Queued and processing deliveries of the service (`webhook_queue_depth`); null if unreadable. */
const queueBacklog = (port) => metricValue(port, 'webhook_queue_depth', ['status="queued"', 'status="processing"']);

/** Polls the backlog until it is 0 (at most `maxMs`); returns the ms it took. */
async function waitDrained(port, maxMs = 120000) {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const depth = await queueBacklog(port);
    if (depth === 0 || depth == null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Math.round(performance.now() - t0);
}

/** One measured load run: fresh pool, memory sampling, CPU accounting, service outcomes. */
async function measure(target, supply, size, connections, seconds, estRps, opts, { sampleMs = 100, poolFactor = 3 } = {}) {
  const count = poolCount(size, estRps, seconds, opts, poolFactor);
  const t0 = performance.now();
  const pool = supply.take(count);
  const genMs = Math.round(performance.now() - t0);
  if (opts.waitQuietSec > 0) await waitMachineQuiet({ cores: os.availableParallelism(), maxMs: opts.waitQuietSec * 1000 });
  const hostBefore = probeHost();
  const before = target.service ? await deliveriesByOutcome(target.port) : null;
  const database0 = await target.database?.backendCpuMs();
  const pid = target.proc.pid;
  const cpu0 = readCpuMs(pid);
  const machine0 = readMachineBusyMs();
  const harness0 = process.cpuUsage();
  const t1 = performance.now();
  const mem = sampleMemory(pid, sampleMs);
  const load = await runLoad({ url: target.url, connections, durationSec: seconds, pool });
  const loadEnd = performance.now();
  const backlog = target.service ? await queueBacklog(target.port) : null;
  const memory = mem.stop();
  // CPU used during the load by anything but the receiver and this harness (other work on the
  // machine), as a share of all cores: numbers taken while it is high are not trustworthy.
  const elapsedMs = performance.now() - t1;
  const harnessMs = (() => {
    const u = process.cpuUsage(harness0);
    return (u.user + u.system) / 1000;
  })();
  const machineMs = readMachineBusyMs() - machine0;
  const receiverMs = readCpuMs(pid) - cpu0;
  // The postgres target's database works for the receiver: not "other" work.
  const databaseLoadMs = database0 ? backendCpuBetween(database0, await target.database.backendCpuMs()) : 0;
  const otherCpuShare = Math.max(0, Math.round(((machineMs - receiverMs - harnessMs - databaseLoadMs) / (elapsedMs * os.availableParallelism())) * 100) / 100);
  supply.giveBack(pool, load.bodies.used);
  // On PostgreSQL the worker mostly waits for the database, so the process looks idle before the
  // backlog is gone: wait for the backlog itself, so that CPU/req and `drainedMs` include it.
  const settleMs = target.database ? await waitDrained(target.port) : await waitIdle(pid);
  const drainedMs = backlog == null ? null : Math.round(performance.now() - loadEnd);
  const cpu1 = readCpuMs(pid);
  const databaseCpuMs = database0 ? backendCpuBetween(database0, await target.database.backendCpuMs()) : null;
  const hostAfter = probeHost();
  const after = target.service ? await deliveriesByOutcome(target.port) : null;
  if (target.proc.exitInfo) {
    throw new Error(`${target.label} exited during the load\n--- stderr ---\n${target.proc.stderr.trim()}`);
  }
  const warnings = [];
  if (otherCpuShare > 0.1) warnings.push(`machine busy: ${Math.round(otherCpuShare * 100)} % of the CPU went to other processes`);
  if (target.expectStatus) {
    const other = Object.entries(load.statusCodes).filter(([code]) => code.startsWith('2') && Number(code) !== target.expectStatus);
    if (other.length) warnings.push(`expected ${target.expectStatus}, got ${other.map(([c, n]) => `${n}× ${c}`).join(', ')}`);
  }
  const outcomes = diffCounts(before, after);
  if (outcomes) {
    const odd = Object.entries(outcomes).filter(([k]) => !['accepted', 'processed'].includes(k));
    if (odd.length) warnings.push(`outcomes ${odd.map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  }
  // Requests the receiver worked on: the answered ones plus those still in flight when the load
  // stopped (autocannon drops them, the receiver still processes them; one per connection in a
  // closed loop). The service's own count is exact.
  const counted = outcomes ? Object.values(outcomes).reduce((a, b) => a + b, 0) : 0;
  const served = counted || load.completed + Math.min(connections, Math.max(0, load.sent - load.completed));
  if (load.ok < 100) warnings.push(`only ${load.ok} answers: latency percentiles are rough`);
  if (load.ok < 2 * connections) {
    warnings.push('fewer than 2 answers per connection: the run is too short for this concurrency, so req/s is understated');
  }
  return {
    target: target.name,
    label: target.label,
    ...(target.database ? { database: target.database.description } : {}),
    warnings,
    ...load,
    poolGenerationMs: genMs,
    otherCpuShare,
    // CPU ms of a fixed task before and after the load: how fast the host ran (judgeHostSpeed).
    hostProbeMs: [hostBefore, hostAfter],
    peakRssBytes: memory.peak,
    memory,
    cpuMs: cpu0 != null && cpu1 != null ? cpu1 - cpu0 : null,
    served,
    cpuUsPerRequest: cpu0 != null && cpu1 != null && served ? Math.round(((cpu1 - cpu0) * 1000) / served) : null,
    // The database's connections (postgres target), same window: the rest of the cost per request.
    databaseCpuUsPerRequest: databaseCpuMs != null && served ? Math.round((databaseCpuMs * 1000) / served) : null,
    settleMs,
    // Deliveries acknowledged but not yet handled when the load stopped, and how long until none were.
    backlog,
    drainedMs: backlog ? drainedMs : backlog === 0 ? 0 : null,
    outcomes,
  };
}

/**
 * Warms a freshly started receiver up (unless --warmup 0). Returns the warm-up run, if any, and
 * the rate to size the next pools for: the guess is already generous, so the warm-up's pool gets
 * no safety factor, and a cold process can be several times slower in its warm-up than afterwards.
 */
async function warmUp(target, supply, size, connections, opts) {
  const guess = SIZES[size].guessRps;
  if (opts.warmupSec <= 0) return { estRps: guess };
  const warm = await measure(target, supply, size, connections, opts.warmupSec, guess, opts, { poolFactor: 1 });
  return { warm, estRps: Math.max(warm.rps, guess / 4) };
}

/** One fresh process of `name`, warmed up, then loaded once at 1 KB and the targets' concurrency. */
async function targetRun(name, opts, factory) {
  const target = await start(name, opts);
  try {
    const supply = createBodySupply(factory);
    const { estRps } = await warmUp(target, supply, '1kb', TARGET_CONNECTIONS, opts);
    return await measure(target, supply, '1kb', TARGET_CONNECTIONS, opts.durationSec, estRps, opts);
  } finally {
    await target.stop();
  }
}

/**
 * The three ratio targets judged on rounds that alternate the order of queued, inline (each on
 * both platforms) and naive Express, each in a fresh process: this machine's speed drifts for minutes at a time, and one
 * run per receiver, minutes apart, can land on either side of a drift.
 */
async function benchTargetRounds(opts, results) {
  const names = ['queued', 'queued-fastify', 'postgres', 'inline', 'inline-fastify', 'naive'].filter((name) => opts.targets.includes(name));
  // Judged against naive Express, and PostgreSQL against SQLite (queued).
  if (!names.includes('naive') && !(names.includes('queued') && names.includes('postgres'))) return;
  const factory = createBodyFactory({ secret: SECRET, targetBytes: SIZES['1kb'].bytes });
  results.targetRounds = [];
  for (let round = 0; round < opts.targetRounds; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    const runs = [];
    results.targetRounds.push({ round: round + 1, runs });
    for (const name of order) {
      try {
        const run = await targetRun(name, opts, factory);
        runs.push(run);
        log(
          `[targets, round ${round + 1}] ${run.label}: ${run.rps} req/s, p99 ${run.latencyMs.p99} ms, CPU ${run.cpuUsPerRequest} µs/req` +
            (run.databaseCpuUsPerRequest != null ? ` + database ${run.databaseCpuUsPerRequest} µs/req` : '') +
            (run.backlog ? `, backlog ${run.backlog} at the end, handled ${run.drainedMs} ms later` : '') +
            (run.warnings.length ? `; WARNING: ${run.warnings.join('; ')}` : ''),
        );
      } catch (err) {
        log(`[targets, round ${round + 1}] ${TARGETS[name].label} failed: ${err.message}`);
        results.failures.push({ target: name, label: `${TARGETS[name].label} (target round ${round + 1})`, error: err.message });
      }
    }
  }
}

async function benchSize(size, opts, results) {
  const spec = SIZES[size];
  const factory = createBodyFactory({ secret: SECRET, targetBytes: spec.bytes });
  const probe = generatePool(factory, 16);
  const bodyBytes = Math.round(probe.reduce((a, b) => a + b.body.length, 0) / probe.length);
  const sizeResult = { size, label: spec.label, targetBytes: spec.bytes, bodyBytes, runs: [], failures: [] };
  results.sizes.push(sizeResult);
  const seconds = size === '1kb' ? opts.durationSec : opts.durationBigSec;
  const maxConns = Math.max(...opts.connections);
  for (const name of opts.targets) {
    log(`\n[${spec.label}] starting ${TARGETS[name].label}`);
    let target;
    try {
      target = await start(name, opts);
    } catch (err) {
      log(`[${spec.label}] ${TARGETS[name].label} did not start:\n${err.message}`);
      sizeResult.failures.push({ target: name, label: TARGETS[name].label, error: err.message });
      results.failures.push({ target: name, label: `${TARGETS[name].label} (${spec.label})`, error: err.message });
      continue;
    }
    const supply = createBodySupply(factory);
    try {
      let { warm: w, estRps } = await warmUp(target, supply, size, Math.min(maxConns, TARGET_CONNECTIONS), opts);
      if (w) {
        log(`[${spec.label}] ${target.label} warm-up: ${Math.round(w.rps)} req/s, non-2xx ${w.non2xx}, errors ${w.errors}`);
        if (w.ok === 0) {
          const codes = JSON.stringify(w.statusCodes);
          throw new Error(`no 2xx answers during warm-up (status codes ${codes}, errors ${w.errors})`);
        }
      }
      for (const connections of opts.connections) {
        const run = await measure(target, supply, size, connections, seconds, estRps, opts);
        estRps = Math.max(estRps, run.rps);
        sizeResult.runs.push(run);
        log(
          `[${spec.label}] ${target.label} c=${connections}: ${run.rps} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, ` +
            `max ${run.latencyMs.max} ms, non-2xx ${run.non2xx}, errors ${run.errors}, peak RSS ${toMB(run.peakRssBytes)} MB, ` +
            `CPU ${run.cpuUsPerRequest} µs/req` +
            (run.databaseCpuUsPerRequest != null ? ` + database ${run.databaseCpuUsPerRequest} µs/req` : '') +
            (run.backlog ? `, backlog ${run.backlog} at the end, handled ${run.drainedMs} ms later` : '') +
            (run.outcomes ? `, outcomes ${JSON.stringify(run.outcomes)}` : '') +
            (run.stoppedEarly ? `, stopped early at ${run.durationSec} s (pool of ${run.bodies.pool})` : '') +
            (run.settleMs > 500 ? `, busy ${run.settleMs} ms after the load` : '') +
            (run.warnings.length ? `; WARNING: ${run.warnings.join('; ')}` : ''),
        );
      }
    } catch (err) {
      log(`[${spec.label}] ${target.label} failed: ${err.message}`);
      sizeResult.failures.push({ target: name, label: target.label, error: err.message });
      results.failures.push({ target: name, label: `${target.label} (${spec.label})`, error: err.message });
    } finally {
      await target.stop();
    }
  }
  addRatios(sizeResult);
}

async function benchSustained(opts, results) {
  const seconds = opts.sustainedSec;
  const connections = TARGET_CONNECTIONS;
  const sustained = { target: 'queued', label: TARGETS.queued.label, connections, sizeLabel: '1 KB bodies', requested: seconds };
  results.sustained = sustained;
  log(`\n[sustained] ${seconds} s, ${connections} connections, 1 KB, ${TARGETS.queued.label}`);
  let target;
  try {
    target = await start('queued', opts);
  } catch (err) {
    sustained.error = err.message;
    results.failures.push({ target: 'queued', label: `${TARGETS.queued.label} (sustained)`, error: err.message });
    log(`[sustained] did not start:\n${err.message}`);
    return;
  }
  try {
    const supply = createBodySupply(createBodyFactory({ secret: SECRET, targetBytes: SIZES['1kb'].bytes }));
    // the rate of the same process kind in the 1 KB runs, if measured, else the warm-up's
    const seen = results.sizes.find((s) => s.size === '1kb')?.runs.filter((r) => r.target === 'queued').map((r) => r.rps) ?? [];
    let estRps = seen.length ? Math.max(...seen) : SIZES['1kb'].guessRps;
    if (opts.warmupSec > 0) {
      const w = await measure(target, supply, '1kb', connections, opts.warmupSec, Math.min(estRps, 20000), opts);
      estRps = Math.max(w.rps * 1.5, ...seen, 1);
    }
    // the backlog (queued + processing deliveries) every second shows whether the worker keeps up
    const queueDepth = [];
    const t0 = performance.now();
    const depthTimer = setInterval(async () => {
      const v = await metricValue(target.port, 'webhook_queue_depth', ['status="queued"', 'status="processing"']);
      if (v != null) queueDepth.push({ t: Math.round(performance.now() - t0), depth: v });
    }, 1000);
    // a minute at a known rate: a smaller safety factor, and the pool cap raised for this run
    const run = await measure(target, supply, '1kb', connections, seconds, estRps, { ...opts, poolMB: Math.max(opts.poolMB, 1024) }, { sampleMs: 1000, poolFactor: 1.5 });
    clearInterval(depthTimer);
    sustained.queueDepth = queueDepth;
    const samples = run.memory.samples;
    const mid = samples[Math.floor(samples.length / 2)];
    const pts = samples.map((s) => [s.t / 60000, s.rss / 1048576]);
    const second = pts.slice(Math.floor(pts.length / 2));
    // RSS saws up and down with every GC, so single samples mislead: the floor (lowest sample of
    // each 5 s window) shows what the process keeps. Its growth over the second half is the test.
    const floors = [];
    for (let i = 0; i + 5 <= samples.length; i += 5) {
      const w = samples.slice(i, i + 5);
      floors.push({ t: w[0].t, rss: Math.min(...w.map((s) => s.rss)) });
    }
    const midFloor = floors[Math.floor(floors.length / 2)];
    const endFloor = floors.at(-1);
    const r2 = (x) => (x == null ? null : Math.round(x * 100) / 100);
    Object.assign(sustained, run, {
      memory: {
        startMB: toMB(samples[0]?.rss),
        midMB: toMB(mid?.rss),
        endMB: toMB(samples.at(-1)?.rss),
        peakMB: toMB(run.peakRssBytes),
        slopeMBPerMin: r2(slope(pts)),
        secondHalfSlopeMBPerMin: r2(slope(second)),
        floorsMB: floors.map((f) => ({ t: f.t, rssMB: toMB(f.rss) })),
        midFloorMB: toMB(midFloor?.rss),
        endFloorMB: toMB(endFloor?.rss),
        samples: samples.map((s) => ({ t: s.t, rssMB: toMB(s.rss) })),
      },
    });
    log(
      `[sustained] ${run.rps} req/s, p99 ${run.latencyMs.p99} ms, RSS ${sustained.memory.startMB} → ${sustained.memory.midMB} → ${sustained.memory.endMB} MB, ` +
        `floor ${sustained.memory.midFloorMB} → ${sustained.memory.endFloorMB} MB over the second half` +
        (queueDepth.length ? `, backlog ${queueDepth[0].depth} → ${queueDepth[Math.floor(queueDepth.length / 2)].depth} → ${queueDepth.at(-1).depth}` : '') +
        ` (slope ${sustained.memory.slopeMBPerMin} MB/min, second half ${sustained.memory.secondHalfSlopeMBPerMin} MB/min)`,
    );
  } catch (err) {
    sustained.error = err.message;
    results.failures.push({ target: 'queued', label: `${TARGETS.queued.label} (sustained)`, error: err.message });
    log(`[sustained] failed: ${err.message}`);
  } finally {
    await target.stop();
  }
}

/** Which service build was measured: the commit, whether the tree had changes, dist/main.js's time. */
function serviceBuild() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  let distBuiltAt = null;
  try {
    distBuiltAt = statSync(path.join(ROOT, 'dist', 'main.js')).mtime.toISOString();
  } catch {
    // not built
  }
  const dirty = git('status', '--porcelain', '--', 'src');
  return { commit: git('rev-parse', '--short', 'HEAD'), srcChangedSinceCommit: dirty == null ? null : dirty !== '', distBuiltAt };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2), process.env);
  const require = createRequire(import.meta.url);
  const machine = describeMachine();
  const results = {
    startedAt: new Date().toISOString(),
    finishedAt: null,
    machine,
    service: serviceBuild(),
    config: {
      ...opts,
      autocannon: require('autocannon/package.json').version,
      host: HOST,
      path: WEBHOOK_PATH,
      serviceEnv: { ...SERVICE_ENV, ...opts.serviceEnv },
    },
    sizes: [],
    sustained: null,
    targets: [],
    failures: [],
  };
  log(`machine: ${machineLine(machine)}`);
  log(`service: ${JSON.stringify(results.service)}`);
  log(`config: ${JSON.stringify({ ...opts, serviceEnv: Object.keys(opts.serviceEnv) })}`);
  // run the service from a copy of dist/, so a rebuild during the run cannot break it
  if (opts.targets.some((t) => TARGETS[t].service)) {
    try {
      opts.serviceMain = await snapshotDist(snapshot);
    } catch (err) {
      log(err.message);
    }
  }
  try {
    for (const size of opts.sizes) await benchSize(size, opts, results);
    if (opts.targetRounds > 0) await benchTargetRounds(opts, results);
    if (opts.sustainedSec > 0 && opts.targets.includes('queued')) await benchSustained(opts, results);
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
  results.finishedAt = new Date().toISOString();
  judgeHostSpeed([...results.sizes.flatMap((size) => size.runs), ...(results.targetRounds ?? []).flatMap((round) => round.runs), results.sustained]);
  results.targets = evaluateTargets(results);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = opts.out ? path.resolve(opts.out) : path.join(RESULTS_DIR, `${stamp}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  const md = renderMarkdown(results);
  writeFileSync(out.replace(/\.json$/, '') + '.md', md + '\n');
  process.stdout.write('\n' + md + '\n');
  log(`results: ${path.relative(ROOT, out)} (and .md)`);
  const seconds = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 1000;
  log(`took ${Math.round(seconds)} s`);
  if (results.failures.length) process.exitCode = 1;
}

runBenchmark(main, () => rmSync(snapshot, { recursive: true, force: true }));
