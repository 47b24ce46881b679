#!/usr/bin/env node
// Does the service keep memory under sustained load, or is RSS growth only garbage not yet
// collected? Runs the service (queued by default) with a full GC every 5 s and records the heap
// that survives it, next to RSS, during a long load.
//
//   node bench/memory.mjs [--mode queued|inline] [--duration 180] [--connections 50] [--snapshots]
//
// --snapshots also writes a heap snapshot a third of the way in and at the end, and prints which
// kinds of objects grew between the two.
//
// Diagnostic only: the forced GCs cost throughput, so its req/s are not benchmark figures.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBodyFactory, createBodySupply } from './lib/bodies.mjs';
import { integerOption, parseCli, usageError } from './lib/cli.mjs';
import { censusGrowth, heapCensus, largestStrings, readHeapSnapshot } from './lib/heapsnapshot.mjs';
import { runLoad } from './lib/load.mjs';
import { ROOT, SECRET, SIZES, runBenchmark, snapshotDist, startTarget, TARGETS } from './lib/targets.mjs';

const USAGE = `Usage: node bench/memory.mjs [options]

Runs the built service with a full GC every few seconds under a long load and records the heap that
survives each, next to RSS: does memory stay flat, or is RSS growth only garbage not yet collected?
Diagnostic only: the forced GCs cost throughput, so its req/s are not benchmark figures.

Options:
  --mode M          queued or inline (queued)
  --duration S      seconds of load (180)
  --connections C   load generator connections (50)
  --every MS        milliseconds between forced GCs and samples (5000)
  --snapshots       also write a heap snapshot a third of the way in and at the end, and print
                    which kinds of objects grew between the two
  -h, --help        this text`;

function options(argv) {
  const cli = { name: 'bench/memory.mjs', usage: USAGE };
  const text = (fallback) => ({ type: 'string', default: fallback });
  const { values: o } = parseCli({
    ...cli,
    argv,
    options: { mode: text('queued'), duration: text('180'), connections: text('50'), every: text('5000'), snapshots: { type: 'boolean', default: false } },
  });
  if (!TARGETS[o.mode]?.service) usageError(cli.name, `--mode takes queued or inline, not '${o.mode}'`, USAGE);
  return {
    mode: o.mode,
    durationSec: integerOption(cli, 'duration', o.duration, 1),
    connections: integerOption(cli, 'connections', o.connections, 1),
    everyMs: integerOption(cli, 'every', o.every, 1),
    snapshots: o.snapshots,
  };
}

const MB = (b) => (b / 1048576).toFixed(1);

async function main() {
  const o = options(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const snapshot = path.join(ROOT, 'bench', 'results', `.dist-${stamp}-memory`);
  const out = path.join(os.tmpdir(), `orw-bench-memory-${stamp}.jsonl`);
  const serviceMain = await snapshotDist(snapshot);
  const target = await startTarget(o.mode, {
    serviceMain,
    nodeArgs: ['--expose-gc', '--import', path.join(ROOT, 'bench', 'lib', 'memory-hook.mjs')],
    serviceEnv: {
      BENCH_MEMORY_OUT: out,
      BENCH_MEMORY_EVERY_MS: String(o.everyMs),
      ...(o.snapshots ? { BENCH_HEAP_SNAPSHOT_PREFIX: out.replace(/\.jsonl$/, '') } : {}),
    },
  });
  const snapshotFiles = [];
  const takeSnapshot = async () => {
    const file = `${out.replace(/\.jsonl$/, '')}-${snapshotFiles.length + 1}.heapsnapshot`;
    target.proc.child.kill('SIGWINCH');
    for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(100);
    snapshotFiles.push(file);
  };
  try {
    const supply = createBodySupply(createBodyFactory({ secret: SECRET, targetBytes: SIZES['1kb'].bytes }), { maxAgeMs: 250000 });
    const warm = await runLoad({ url: target.url, connections: o.connections, durationSec: 3, pool: supply.take(20000) });
    const pool = supply.take(Math.min(700000, Math.ceil(Math.max(warm.rps, 500) * 1.5 * o.durationSec) + 2000));
    const loading = runLoad({ url: target.url, connections: o.connections, durationSec: o.durationSec, pool });
    if (o.snapshots) {
      await sleep((o.durationSec * 1000) / 3);
      await takeSnapshot();
    }
    const load = await loading;
    if (o.snapshots) await takeSnapshot();
    process.stderr.write(`[memory] ${TARGETS[o.mode].label}: ${load.rps} req/s for ${load.durationSec} s, ${load.ok} answered\n`);
  } finally {
    await target.stop();
    rmSync(snapshot, { recursive: true, force: true });
  }
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  rmSync(out, { force: true });
  const lines = ['| t s | RSS MB | heap used after GC MB | heap total MB | external MB | array buffers MB |', '| ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    lines.push(`| ${Math.round(r.t / 1000)} | ${MB(r.rss)} | ${MB(r.heapUsed)} | ${MB(r.heapTotal)} | ${MB(r.external)} | ${MB(r.arrayBuffers)} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (snapshotFiles.length === 2 && snapshotFiles.every((f) => existsSync(f))) {
    const [first, last] = snapshotFiles.map(readHeapSnapshot);
    const growth = censusGrowth(heapCensus(first), heapCensus(last));
    const g = ['', 'Heap growth between the snapshots (a third of the way in, and at the end):', '', '| kind (type:name) | count | bytes |', '| --- | ---: | ---: |'];
    for (const r of growth) g.push(`| \`${r.kind}\` | ${r.count} | ${r.bytes} |`);
    g.push('', 'Largest strings at the end:', '', '| bytes | starts with |', '| ---: | --- |');
    for (const x of largestStrings(last)) g.push(`| ${x.bytes} | \`${JSON.stringify(x.start).slice(1, -1).replace(/[|`]/g, ' ')}\` |`);
    process.stdout.write(g.join('\n') + '\n');
  }
  for (const f of snapshotFiles) rmSync(f, { force: true });
}

runBenchmark(main);
