#!/usr/bin/env node
// CPU profile of the service under the benchmark's load: where the time goes.
//
//   node bench/profile.mjs [--modes inline,queued] [--duration 20] [--connections 50] [--size 1kb] [--top 25]
//   BENCH_ENV_<NAME>=value adds a variable to the service's environment.
//
// Starts `node dist/main.js` (build it first) with bench/lib/profile-hook.mjs preloaded, warms it
// up, profiles it during the load and until it is idle again (so queue draining is included),
// and prints the top self-time functions and packages. Writes bench/results/<stamp>-<mode>.cpuprofile
// (open it in Chrome DevTools or speedscope) and a markdown summary beside it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBodyFactory, createBodySupply } from './lib/bodies.mjs';
import { integerOption, parseCli, usageError } from './lib/cli.mjs';
import { renderSummary, summarize } from './lib/cpuprofile.mjs';
import { renderStages, stageCosts } from './lib/stages.mjs';
import { runLoad } from './lib/load.mjs';
import { waitIdle } from './lib/stats.mjs';
import { deliveriesByOutcome, ROOT, SECRET, SIZES, runBenchmark, snapshotDist, startTarget, TARGETS } from './lib/targets.mjs';

const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** BENCH_ENV_<NAME>=value: extra variables for the service, as in run.mjs (e.g. OTEL_* to profile tracing). */
const benchEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_ENV_')).map(([k, v]) => [k.slice('BENCH_ENV_'.length), v]));
const HOOK = path.join(ROOT, 'bench', 'lib', 'profile-hook.mjs');

const USAGE = `Usage: node bench/profile.mjs [options]

CPU profile of the built service (npx nest build first) under the benchmark's load, until it is idle
again; prints the top self-time functions and packages and writes
bench/results/<stamp>-<mode>.cpuprofile (Chrome DevTools, speedscope) with a markdown summary.

Options:
  --modes L         comma list of service targets: queued, inline, queued-fastify,
                    inline-fastify, postgres (inline,queued)
  --duration S      seconds of profiled load (20)
  --warmup S        warm-up seconds before profiling (3)
  --connections C   load generator connections (50)
  --size S          body size: ${Object.keys(SIZES).join(', ')} (1kb)
  --top N           functions and packages listed (25)
  -h, --help        this text`;

function options(argv) {
  const cli = { name: 'bench/profile.mjs', usage: USAGE };
  const text = (fallback) => ({ type: 'string', default: fallback });
  const { values: o } = parseCli({
    ...cli,
    argv,
    options: { modes: text('inline,queued'), duration: text('20'), connections: text('50'), size: text('1kb'), top: text('25'), warmup: text('3') },
  });
  const modes = o.modes.split(',').map((m) => m.trim());
  for (const m of modes) if (!TARGETS[m]?.service) usageError(cli.name, `--modes takes service targets (queued, inline, queued-fastify, inline-fastify, postgres), not '${m}'`, USAGE);
  if (!SIZES[o.size]) usageError(cli.name, `--size takes ${Object.keys(SIZES).join(', ')}, not '${o.size}'`, USAGE);
  return {
    modes,
    durationSec: integerOption(cli, 'duration', o.duration, 1),
    connections: integerOption(cli, 'connections', o.connections, 1),
    size: o.size,
    top: integerOption(cli, 'top', o.top, 1),
    warmupSec: integerOption(cli, 'warmup', o.warmup, 0),
  };
}

async function waitForFile(file, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) return;
    await sleep(100);
  }
  throw new Error(`${file} did not appear within ${timeoutMs} ms`);
}

async function profileMode(mode, o, stamp, serviceMain) {
  const out = path.join(RESULTS_DIR, `${stamp}-${mode}.cpuprofile`);
  const target = await startTarget(mode, { nodeArgs: ['--import', HOOK], serviceEnv: { ...benchEnv(), BENCH_PROFILE_OUT: out }, serviceMain });
  try {
    const spec = SIZES[o.size];
    const supply = createBodySupply(createBodyFactory({ secret: SECRET, targetBytes: spec.bytes }));
    const cap = Math.floor((512 * 1024 * 1024) / (spec.bytes + 512));
    const warm = await runLoad({ url: target.url, connections: o.connections, durationSec: o.warmupSec, pool: supply.take(Math.min(cap, spec.guessRps * o.warmupSec)) });
    process.stderr.write(`[${mode}] warm-up ${warm.rps} req/s\n`);
    await waitIdle(target.proc.pid);
    const pool = supply.take(Math.min(cap, Math.ceil(Math.max(warm.rps, 100) * o.durationSec * 3) + 1000));
    const before = await deliveriesByOutcome(target.port);
    target.proc.child.kill('SIGWINCH');
    await waitForFile(`${out}.started`, 10000);
    const load = await runLoad({ url: target.url, connections: o.connections, durationSec: o.durationSec, pool });
    const settleMs = await waitIdle(target.proc.pid);
    target.proc.child.kill('SIGWINCH');
    await waitForFile(out, 30000);
    await sleep(200); // let the write finish
    rmSync(`${out}.started`, { force: true });
    const after = await deliveriesByOutcome(target.port);
    // Deliveries the service counted while profiled: the denominator of the per-stage table.
    const requests = after && before ? Object.keys(after).reduce((sum, k) => sum + after[k] - (before[k] ?? 0), 0) : load.completed;
    const profile = JSON.parse(readFileSync(out, 'utf8'));
    const summary = summarize(profile, { root: ROOT, top: o.top });
    const stages = renderStages(stageCosts(profile, { root: ROOT, requests }));
    const title =
      `${TARGETS[mode].label}, ${o.connections} connections, ${spec.label}: ${load.rps} req/s, ` +
      `p99 ${load.latencyMs.p99} ms, busy ${settleMs} ms after the load`;
    return { mode, load, settleMs, summary, markdown: `${renderSummary(summary, title)}\n\nPer stage (bench/lib/stages.mjs):\n\n${stages}`, profile: path.relative(ROOT, out) };
  } finally {
    await target.stop();
  }
}

async function main() {
  const o = options(process.argv.slice(2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-') + '-profile';
  const sections = [];
  const snapshot = path.join(RESULTS_DIR, `.dist-${stamp}`);
  const serviceMain = await snapshotDist(snapshot);
  try {
    for (const mode of o.modes) {
      const r = await profileMode(mode, o, stamp, serviceMain);
      sections.push(`${r.markdown}\n\nProfile: \`${r.profile}\``);
    }
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
  const md = `# CPU profile ${stamp}\n\n${sections.join('\n\n')}\n`;
  writeFileSync(path.join(RESULTS_DIR, `${stamp}.md`), md);
  process.stdout.write(md);
}

runBenchmark(main);
