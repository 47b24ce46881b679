#!/usr/bin/env node
// Two builds of the service under the same load, rounds alternating which goes first: the way
// to tell whether a change made the service faster on a machine whose speed drifts by ±30 %
// between runs (bench/README.md). Only the ratios within one run mean much. Usage: USAGE below.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { createBodyFactory, createBodySupply } from './lib/bodies.mjs';
import { integerOption, parseCli, usageError } from './lib/cli.mjs';
import { judgeHostSpeed, probeHost, SLOW_HOST } from './lib/host-speed.mjs';
import { runLoad } from './lib/load.mjs';
import { median, readCpuMs, readMainThreadCpuMs, waitIdle } from './lib/stats.mjs';
import { deliveriesByOutcome, ROOT, runBenchmark, SECRET, SIZES, startTarget, TARGETS } from './lib/targets.mjs';

const USAGE = `Usage: node bench/compare.mjs --old <dir> [options]

Two builds of the service under the same load, rounds alternating which goes first; reports req/s,
p50/p99 and CPU per request, per round and as medians. Only the ratios within one run mean much.

Options:
  --old DIR          a checkout of the version to compare with, built (required): git worktree add
                     /tmp/old <commit>, link node_modules, npx nest build there
  --new DIR          the other checkout (this one)
  --mode M           queued or inline, or the same on Fastify: queued-fastify, inline-fastify (queued)
  --rounds N         rounds (3)
  --duration S       seconds of load per build and round (10)
  --warmup S         warm-up seconds per build and round (2)
  --connections C    load generator connections (50)
  --size S           body size: ${Object.keys(SIZES).join(', ')} (1kb)
  --old-args=FLAGS   Node flags for the old side only, e.g. a V8 setting against none (--old may
  --new-args=FLAGS   then name this same checkout); with '=' when FLAGS start with '-'
  --old-env=VARS     extra environment variables for the old side only, NAME=value[,NAME=value]:
  --new-env=VARS     a setting against its default on one build (--old . --new-env=SQLITE_STORE_THREAD=true)
  --tracing SIDE     none, old, new or both: that side runs with OpenTelemetry tracing on, exporting
                     OTLP to a local sink (bench/receivers/otlp-sink.mjs); tracing's cost is
                     --old . --tracing new (docs/adr/0007-tracing.md) (none)
  -h, --help         this text`;

function options(argv) {
  const cli = { name: 'bench/compare.mjs', usage: USAGE };
  const text = (fallback) => ({ type: 'string', default: fallback });
  const { values: o } = parseCli({
    ...cli,
    argv,
    options: {
      old: text(''), new: text(ROOT), 'old-args': text(''), 'new-args': text(''), 'old-env': text(''), 'new-env': text(''), mode: text('queued'),
      tracing: text('none'), rounds: text('3'), duration: text('10'), connections: text('50'), size: text('1kb'), warmup: text('2'),
    },
  });
  if (!o.old) usageError(cli.name, '--old <dir> is required: a checkout of the version to compare with, built', USAGE);
  if (!TARGETS[o.mode]?.service) usageError(cli.name, `--mode takes a service target (queued, inline, queued-fastify, inline-fastify), not '${o.mode}'`, USAGE);
  for (const side of ['old-env', 'new-env']) {
    const bad = o[side].split(',').filter(Boolean).find((pair) => !/^[A-Z_][A-Z0-9_]*=/.test(pair));
    if (bad !== undefined) usageError(cli.name, `--${side} takes NAME=value[,NAME=value], not '${bad}'`, USAGE);
  }
  if (!['none', 'old', 'new', 'both'].includes(o.tracing)) usageError(cli.name, `--tracing takes none, old, new or both, not '${o.tracing}'`, USAGE);
  if (!SIZES[o.size]) usageError(cli.name, `--size takes ${Object.keys(SIZES).join(', ')}, not '${o.size}'`, USAGE);
  return {
    ...o,
    rounds: integerOption(cli, 'rounds', o.rounds, 1),
    duration: integerOption(cli, 'duration', o.duration, 1),
    connections: integerOption(cli, 'connections', o.connections, 1),
    warmup: integerOption(cli, 'warmup', o.warmup, 0),
  };
}

async function measure(label, serviceMain, nodeArgs, o, serviceEnv) {
  const spec = SIZES[o.size];
  const target = await startTarget(o.mode, { serviceMain, nodeArgs, serviceEnv });
  try {
    const supply = createBodySupply(createBodyFactory({ secret: SECRET, targetBytes: spec.bytes }));
    // Enough unique bodies for half the rate the floor receiver reaches, within 512 MB.
    const bodies = (seconds) => Math.min(Math.floor((512 * 1024 * 1024) / (spec.bytes + 512)), Math.ceil((spec.guessRps / 2) * seconds));
    await runLoad({ url: target.url, connections: o.connections, durationSec: o.warmup, pool: supply.take(bodies(o.warmup)) });
    await waitIdle(target.proc.pid);
    const hostBefore = probeHost();
    const before = await deliveriesByOutcome(target.port);
    const cpuBefore = readCpuMs(target.proc.pid);
    const mainBefore = readMainThreadCpuMs(target.proc.pid);
    const load = await runLoad({ url: target.url, connections: o.connections, durationSec: o.duration, pool: supply.take(bodies(o.duration)) });
    await waitIdle(target.proc.pid);
    const after = await deliveriesByOutcome(target.port);
    if (!after) throw new Error(`${label}: the service's /metrics did not answer after the load`);
    const handled = Object.keys(after).reduce((sum, key) => sum + after[key] - (before?.[key] ?? 0), 0);
    const cpuUs = ((readCpuMs(target.proc.pid) - cpuBefore) * 1000) / Math.max(1, handled);
    const mainCpuUs = ((readMainThreadCpuMs(target.proc.pid) - mainBefore) * 1000) / Math.max(1, handled);
    const hostProbeMs = [hostBefore, probeHost()];
    return { label, rps: load.rps, p50: load.latencyMs.p50, p99: load.latencyMs.p99, cpuUs: Math.round(cpuUs), mainCpuUs: Math.round(mainCpuUs), hostProbeMs, warnings: [] };
  } finally {
    await target.stop();
  }
}


const round3 = (x) => Math.round(x * 1000) / 1000;
/** Stops the OTLP sink, if one runs, when the comparison fails or is interrupted. */
let killSink = () => {};

/** Starts the OTLP sink on a free port; resolves to its endpoint and a stop() that says what it received. */
async function startOtlpSink() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  const sink = spawn(process.execPath, [path.join(ROOT, 'bench', 'receivers', 'otlp-sink.mjs')], { env: { PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  killSink = () => sink.kill('SIGKILL');
  let out = '';
  sink.stdout.on('data', (chunk) => (out += chunk));
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body: '' }).then(() => true, () => false);
    if (ok) break;
    if (tries > 100) throw new Error('the OTLP sink did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      sink.kill('SIGTERM');
      await once(sink, 'exit');
      return out.trim();
    },
  };
}

async function main() {
  const o = options(process.argv.slice(2));
  const args = (flags) => flags.split(' ').filter(Boolean);
  const builds = [
    ['old', path.resolve(o.old, 'dist', 'main.js'), args(o['old-args'])],
    ['new', path.resolve(o.new, 'dist', 'main.js'), args(o['new-args'])],
  ];
  const sink = o.tracing === 'none' ? undefined : await startOtlpSink();
  const tracingEnv = sink ? { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint } : {};
  const sideEnv = (vars) => Object.fromEntries(vars.split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const extraEnv = { old: sideEnv(o['old-env']), new: sideEnv(o['new-env']) };
  const envOf = (label) => ({ ...(o.tracing === label || o.tracing === 'both' ? tracingEnv : {}), ...extraEnv[label] });
  const results = { old: [], new: [] };
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const [label, main, nodeArgs] of order) {
      const result = await measure(label, main, nodeArgs, o, envOf(label));
      results[label].push(result);
      console.log(
        `round ${round + 1} ${label}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.cpuUs} µs CPU per delivery (${result.mainCpuUs} on the main thread), host probe ${Math.max(...result.hostProbeMs)} ms`,
      );
    }
  }
  const summary = (label) => ({
    rps: round3(median(results[label].map((r) => r.rps))),
    p99: round3(median(results[label].map((r) => r.p99))),
    cpuUs: round3(median(results[label].map((r) => r.cpuUs))),
    mainCpuUs: round3(median(results[label].map((r) => r.mainCpuUs))),
  });
  const [old, now] = [summary('old'), summary('new')];
  // bench/lib/host-speed.mjs: a round measured while the host ran slow skews its side.
  judgeHostSpeed([...results.old, ...results.new]);
  const slow = ['old', 'new'].flatMap((label) => results[label].map((r, index) => [label, index + 1, r.hostSlowdown]).filter(([, , x]) => x > SLOW_HOST));
  if (slow.length) console.log(`\nhost slow (probe > ${SLOW_HOST}× the fastest) in: ${slow.map(([label, round, x]) => `round ${round} ${label} (${x}×)`).join(', ')}; read the rounds, not only the medians`);
  if (sink) console.log(`OTLP sink received (tracing on: ${o.tracing}): ${await sink.stop()}`);
  for (const label of ['old', 'new']) if (o[`${label}-env`]) console.log(`${label} side with ${o[`${label}-env`]}`);
  console.log(`\n${TARGETS[o.mode].label}, ${o.connections} connections, ${SIZES[o.size].label}, medians of ${o.rounds}:`);
  console.log('| | req/s | p99 ms | CPU µs per delivery | of it on the main thread |\n| --- | ---: | ---: | ---: | ---: |');
  console.log(`| old | ${old.rps} | ${old.p99} | ${old.cpuUs} | ${old.mainCpuUs} |\n| new | ${now.rps} | ${now.p99} | ${now.cpuUs} | ${now.mainCpuUs} |`);
  console.log(`| new / old | ${(now.rps / old.rps).toFixed(2)}× | ${(now.p99 / old.p99).toFixed(2)}× | ${(now.cpuUs / old.cpuUs).toFixed(2)}× | ${(now.mainCpuUs / old.mainCpuUs).toFixed(2)}× |`);
}

runBenchmark(main, () => killSink());
