// Ratios to the anchors, the issue's targets, and the markdown tables.
import { SLOW_HOST } from './host-speed.mjs';
import { machineLine } from './machine.mjs';
import { median, ratio, toMB } from './stats.mjs';

export const ANCHORS = ['naive', 'floor'];
export const TARGET_CONNECTIONS = 50;

/** Adds `ratios.{naive,floor}` to every run of one body size (same size and concurrency). */
export function addRatios(sizeResult) {
  for (const run of sizeResult.runs) {
    run.ratios = {};
    for (const anchor of ANCHORS) {
      const a = sizeResult.runs.find((r) => r.target === anchor && r.connections === run.connections);
      if (!a) continue;
      run.ratios[anchor] = {
        rps: ratio(run.rps, a.rps),
        p50: ratio(run.latencyMs.p50, a.latencyMs.p50),
        p99: ratio(run.latencyMs.p99, a.latencyMs.p99),
        max: ratio(run.latencyMs.max, a.latencyMs.max),
        peakRss: ratio(run.peakRssBytes, a.peakRssBytes),
        cpuPerRequest: ratio(run.cpuUsPerRequest, a.cpuUsPerRequest),
      };
    }
  }
}

function closestConnections(runs, wanted) {
  const all = [...new Set(runs.map((r) => r.connections))];
  if (all.length === 0) return null;
  return all.reduce((best, c) => (Math.abs(c - wanted) < Math.abs(best - wanted) ? c : best));
}

const fmt = (x, digits = 0) =>
  x == null ? 'n/a' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * True when another process took more than 10 % of the machine during one of these runs, or the
 * host ran the machine slow (bench/lib/host-speed.mjs).
 */
const busy = (...runs) => runs.some((r) => (r?.otherCpuShare ?? 0) > 0.1 || (r?.hostSlowdown ?? 1) > SLOW_HOST);

/**
 * How fast the machine ran for one pair of runs: the slower host probe (CPU ms of a fixed task,
 * bench/lib/host-speed.mjs; lower is faster) and the larger share of the CPU other processes took.
 */
function machineSpeed(...runs) {
  const probe = Math.max(...runs.flatMap((r) => r?.hostProbeMs ?? []));
  const other = Math.max(...runs.map((r) => r?.otherCpuShare ?? 0));
  return `probe ${Number.isFinite(probe) ? fmt(probe, 1) : 'n/a'} ms / others ${Math.round(other * 100)} %`;
}

/**
 * The alternating target rounds (run.mjs, `--target-rounds`), if any: `judge` gives a ratio
 * target's verdict from the median of the per-round ratios, each taken within one round, leaving
 * out rounds where either run was taken on a busy machine or a slow host while clean ones exist.
 */
function pairedRounds(rounds) {
  if (!rounds?.length) return null;
  return {
    judge(a, b, metric, meets, versus = 'naive') {
      const pairs = rounds
        .map(({ runs }) => [runs.find((r) => r.target === a), runs.find((r) => r.target === b)])
        .filter(([x, y]) => x && y && metric(y) > 0);
      if (pairs.length === 0) return null;
      const clean = pairs.filter(([x, y]) => !busy(x, y));
      const used = clean.length ? clean : pairs;
      const ratios = used.map(([x, y]) => metric(x) / metric(y));
      const middle = median(ratios);
      const left = pairs.length - used.length;
      return {
        measured:
          `median of ${used.length} alternating round${used.length === 1 ? '' : 's'}: ${fmt(middle, 2)}× ${versus} ` +
          `(rounds ${ratios.map((x) => `${fmt(x, 2)}×`).join(', ')}${left ? `; ${left} taken on a busy machine or slow host left out` : ''}; ` +
          `machine speed per round ${used.map(([x, y]) => machineSpeed(x, y)).join(', ')})`,
        met: meets(middle),
        busy: clean.length === 0,
      };
    },
  };
}

/**
 * Evaluates the issue's targets. Each entry: `{ id, target, measured, met, busy }`, where `met`
 * is true, false, or null when it could not be measured in this run, and `busy` says that other
 * work on the machine made the runs behind it unreliable.
 */
export function evaluateTargets(results) {
  const out = [];
  const one = results.sizes.find((s) => s.size === '1kb');
  const conns = one ? closestConnections(one.runs, TARGET_CONNECTIONS) : null;
  const at = (target) => one?.runs.find((r) => r.target === target && r.connections === conns);
  const paired = pairedRounds(results.targetRounds);
  // The target rounds always load TARGET_CONNECTIONS; the sweep, the closest concurrency it ran.
  const where = `at ${paired ? TARGET_CONNECTIONS : (conns ?? TARGET_CONNECTIONS)} connections, 1 KB bodies`;

  const ratioTarget = ({ id, target, a, b, metric, unit, digits, meets, versus = 'naive' }) => {
    if (paired) {
      const verdict = paired.judge(a, b, metric, meets, versus);
      if (verdict) return { id, target, ...verdict };
    }
    const [x, y] = [at(a), at(b)];
    return {
      id,
      target,
      measured: x && y ? `${fmt(metric(x), digits)} vs ${fmt(metric(y), digits)} ${unit} (${ratio(metric(x), metric(y))}× ${versus})` : 'not measured',
      met: x && y ? meets(metric(x) / metric(y)) : null,
      busy: busy(x, y),
    };
  };
  const rps = (run) => run.rps;
  const p99 = (run) => run.latencyMs.p99;
  out.push(ratioTarget({ id: 'queued-throughput', target: `queued mode (durable ack) throughput ≥ naive Express, ${where}`, a: 'queued', b: 'naive', metric: rps, unit: 'req/s', digits: 0, meets: (x) => x >= 1 }));
  out.push(ratioTarget({ id: 'queued-p99', target: `queued mode p99 ≤ naive Express p99, ${where}`, a: 'queued', b: 'naive', metric: p99, unit: 'ms', digits: 2, meets: (x) => x <= 1 }));
  // Issue 19: the durable acknowledgement against naive Express on both platforms (the lines
  // above stay as the moonshot, 1.0× on Express).
  for (const [a, platform, floor] of [['queued', 'Express (default)', 0.6], ['queued-fastify', 'Fastify', 0.8]]) {
    out.push(ratioTarget({ id: `${a}-throughput-issue-19`, target: `queued on ${platform} throughput ≥ ${floor} × naive Express, ${where}`, a, b: 'naive', metric: rps, unit: 'req/s', digits: 0, meets: (x) => x >= floor }));
    out.push(ratioTarget({ id: `${a}-p99-issue-19`, target: `queued on ${platform} p99 ≤ 1.5 × naive Express p99, ${where}`, a, b: 'naive', metric: p99, unit: 'ms', digits: 2, meets: (x) => x <= 1.5 }));
  }
  out.push(ratioTarget({ id: 'postgres-throughput', target: `queued on PostgreSQL (same machine) throughput ≥ 0.6 × queued on SQLite, ${where}`, a: 'postgres', b: 'queued', metric: rps, unit: 'req/s', digits: 0, meets: (x) => x >= 0.6, versus: 'SQLite' }));
  // Reported beside SQLite's, not a target of its own: null leaves it "not judged".
  out.push(ratioTarget({ id: 'postgres-p99', target: `queued on PostgreSQL p99 beside queued on SQLite (reported), ${where}`, a: 'postgres', b: 'queued', metric: p99, unit: 'ms', digits: 2, meets: () => null, versus: 'SQLite' }));
  out.push(ratioTarget({ id: 'inline-throughput', target: `inline mode (audit handler) throughput ≥ 0.8 × naive Express, ${where}`, a: 'inline', b: 'naive', metric: rps, unit: 'req/s', digits: 0, meets: (x) => x >= 0.8 }));

  // Linear cost: server CPU per request (including any work after the answer, e.g. draining the
  // queue) as a function of body bytes. Linear with a fixed part means the marginal cost per byte
  // from 100 KB to 1 MB is about the one from 1 KB to 100 KB; allow 1.5x for noise.
  for (const mode of ['queued', 'inline']) {
    const cost = (size) => {
      const s = results.sizes.find((x) => x.size === size);
      if (!s) return null;
      const c = closestConnections(s.runs, TARGET_CONNECTIONS);
      const r = s.runs.find((x) => x.target === mode && x.connections === c);
      return r && r.cpuUsPerRequest != null ? { us: r.cpuUsPerRequest, bytes: s.bodyBytes, run: r } : null;
    };
    const [a, b, c] = ['1kb', '100kb', '1mb'].map(cost);
    let measured = 'not measured (needs the 1 KB, 100 KB and 1 MB runs)';
    let met = null;
    if (a && b && c) {
      const perByteLow = (b.us - a.us) / (b.bytes - a.bytes);
      const perByteHigh = (c.us - b.us) / (c.bytes - b.bytes);
      const growth = perByteLow > 0 ? perByteHigh / perByteLow : null;
      measured =
        `CPU per request ${fmt(a.us)} / ${fmt(b.us)} / ${fmt(c.us)} µs at 1 KB / 100 KB / 1 MB; ` +
        `marginal ${fmt(perByteLow * 1024, 1)} then ${fmt(perByteHigh * 1024, 1)} µs per KB` +
        (growth != null ? ` (${growth.toFixed(2)}×)` : '');
      met = growth != null ? growth <= 1.5 : null;
    }
    out.push({
      id: `${mode}-linear-cost`,
      target: `${mode} mode: cost grows linearly with body size`,
      measured,
      met,
      busy: busy(a?.run, b?.run, c?.run),
    });
  }

  const s = results.sustained;
  const m = s?.memory;
  const floorGrowth = m?.endFloorMB != null && m?.midFloorMB != null ? Math.round((m.endFloorMB - m.midFloorMB) * 10) / 10 : null;
  out.push({
    id: 'flat-memory',
    target:
      'memory stays flat under sustained load (queued, 1 KB): the RSS floor (lowest sample per 5 s) grows by at most max(3 %, 5 MB) over the second half',
    measured: m
      ? `RSS start ${m.startMB} MB, mid ${m.midMB} MB, end ${m.endMB} MB, peak ${m.peakMB} MB; ` +
        `floor ${m.midFloorMB} → ${m.endFloorMB} MB over the second half (${floorGrowth >= 0 ? '+' : ''}${floorGrowth} MB); ` +
        `slope ${m.slopeMBPerMin} MB/min overall, ${m.secondHalfSlopeMBPerMin} MB/min over the second half`
      : s?.error
        ? `not measured: ${s.error.split('\n')[0]}`
        : 'not measured',
    // fewer than four 5 s windows (a run under 20 s, e.g. BENCH_QUICK) cannot show a trend
    met: floorGrowth != null && m.floorsMB.length >= 4 ? floorGrowth <= Math.max(0.03 * m.midFloorMB, 5) : null,
    busy: busy(m ? s : null),
  });
  return out;
}

const verdict = (met) => (met === true ? '**met**' : met === false ? '**not met**' : 'not judged');

function cellWithRatios(value, ratios, key, digits) {
  if (value == null) return 'n/a';
  const n = ratios?.naive?.[key];
  const f = ratios?.floor?.[key];
  const r = [n, f].map((x) => (x == null ? '–' : x.toFixed(2))).join(' / ');
  return `${fmt(value, digits)} (${r})`;
}

/**
 * Express (the default) and Fastify side by side: per body size and mode, at the concurrency
 * closest to TARGET_CONNECTIONS, and Fastify's ratio to Express.
 */
function platformTable(results) {
  const rows = [];
  for (const s of results.sizes) {
    const conns = closestConnections(s.runs, TARGET_CONNECTIONS);
    for (const mode of ['queued', 'inline']) {
      const express = s.runs.find((r) => r.target === mode && r.connections === conns);
      const fastify = s.runs.find((r) => r.target === `${mode}-fastify` && r.connections === conns);
      if (!express || !fastify) continue;
      const cell = (r) => `${fmt(r.rps)} / ${fmt(r.latencyMs.p99, 2)} / ${fmt(r.cpuUsPerRequest)}`;
      const times = (x, y) => `${fmt(ratio(x, y), 2)}×`;
      const ratios = `${times(fastify.rps, express.rps)} / ${times(fastify.latencyMs.p99, express.latencyMs.p99)} / ${times(fastify.cpuUsPerRequest, express.cpuUsPerRequest)}`;
      rows.push(`| ${s.label} | ${mode} | ${conns} | ${cell(express)} | ${cell(fastify)} | ${ratios} |`);
    }
  }
  if (!rows.length) return [];
  return [
    `## Express and Fastify (HTTP_ADAPTER)`,
    '',
    'Cells read `req/s / p99 ms / CPU µs per request`; the last column is Fastify ÷ Express.',
    '',
    '| body | mode | conns | Express | Fastify | Fastify ÷ Express |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ];
}

/** The postgres target's database CPU per request, after the service's own. */
const databaseCpu = (run) => (run.databaseCpuUsPerRequest != null ? ` + ${fmt(run.databaseCpuUsPerRequest)} database` : '');

/** The markdown report of one full run. */
export function renderMarkdown(results) {
  const lines = [];
  lines.push(`# Benchmark ${results.startedAt}`, '');
  lines.push(`Machine: ${machineLine(results.machine)}. Load generator: autocannon ${results.config.autocannon} in the harness process on the same machine.`, '');
  const b = results.service;
  const heap = results.config.heapMiB > 0 ? `V8 heap ceiling --max-old-space-size=${results.config.heapMiB} (as the chart sets it for a 512Mi container)` : "Node's default V8 heap ceiling";
  const database = [...results.sizes.flatMap((size) => size.runs), ...(results.targetRounds ?? []).flatMap((round) => round.runs)].find((run) => run.database)?.database;
  if (database) lines.push(`PostgreSQL target: ${database}, on this machine; one fresh database per service process. Its CPU/req adds the CPU of the database connections' backends (server-wide processes such as the WAL writer not counted).`, '');
  if (b) lines.push(`Service: commit ${b.commit}${b.srcChangedSinceCommit ? ' with uncommitted changes in src/' : ''}, dist/main.js built ${b.distBuiltAt ?? 'never'}; ${heap}.`, '');
  lines.push(
    `Durations: ${results.config.durationSec} s per run for 1 KB, ${results.config.durationBigSec} s for 100 KB and 1 MB, after ${results.config.warmupSec} s warm-up per process and size. ` +
      'Cells read `value (×naive / ×floor)`: the ratio to the naive Express receiver and to the node:http floor at the same body size and concurrency. ' +
      'req/s counts 2xx answers only; latencies are of 2xx answers; peak RSS is the highest VmRSS/VmHWM during the run; CPU/req is the receiver process\'s user+system CPU time, from the start of the run until it is idle again (so queue draining counts), per request it worked on (answered, or in flight when the load stopped).',
    '',
  );
  for (const s of results.sizes) {
    lines.push(`## ${s.label} bodies (${fmt(s.bodyBytes)} bytes)`, '');
    lines.push('| receiver | conns | req/s | p50 ms | p99 ms | max ms | non-2xx / errors | peak RSS MB | CPU/req µs |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const notes = [];
    for (const r of s.runs) {
      const flags = [];
      if (r.stoppedEarly) flags.push(`stopped at ${r.durationSec} s: the body pool was used up`);
      if (r.bodies.reused) flags.push(`${r.bodies.reused} bodies sent twice`);
      for (const w of r.warnings ?? []) flags.push(w);
      let mark = '';
      if (flags.length) {
        notes.push(`${notes.length + 1}. ${r.label}, ${r.connections} connections: ${flags.join('; ')}`);
        mark = ` [${notes.length}]`;
      }
      lines.push(
        `| ${r.label}${mark} | ${r.connections} | ${cellWithRatios(r.rps, r.ratios, 'rps', 0)} | ` +
          `${cellWithRatios(r.latencyMs.p50, r.ratios, 'p50', 2)} | ${cellWithRatios(r.latencyMs.p99, r.ratios, 'p99', 2)} | ` +
          `${cellWithRatios(r.latencyMs.max, r.ratios, 'max', 1)} | ${fmt(r.non2xx)} / ${fmt(r.errors)} | ` +
          `${cellWithRatios(toMB(r.peakRssBytes), r.ratios, 'peakRss', 1)} | ${cellWithRatios(r.cpuUsPerRequest, r.ratios, 'cpuPerRequest', 0)}${databaseCpu(r)} |`,
      );
    }
    if (notes.length) lines.push('', ...notes);
    for (const f of s.failures) lines.push(`\n**${f.label} failed:** ${f.error.split('\n')[0]}`);
    lines.push('');
  }
  if (results.targetRounds?.length) {
    lines.push(`## Target rounds: 1 KB, ${TARGET_CONNECTIONS} connections, receivers in alternating order`, '');
    lines.push('Each receiver freshly started and warmed up in every round; the ratio targets below are judged on these rounds.', '');
    lines.push('| round | receiver | req/s | p99 ms | CPU/req µs | host slowdown | warnings |', '| ---: | --- | ---: | ---: | ---: | ---: | --- |');
    for (const { round, runs } of results.targetRounds) {
      for (const r of runs) {
        lines.push(`| ${round} | ${r.label} | ${fmt(r.rps)} | ${fmt(r.latencyMs.p99, 2)} | ${fmt(r.cpuUsPerRequest)}${databaseCpu(r)} | ${r.hostSlowdown ?? 'n/a'}× | ${(r.warnings ?? []).join('; ')} |`);
      }
    }
    lines.push('');
  }
  lines.push(...platformTable(results));
  const st = results.sustained;
  if (st) {
    lines.push(`## Sustained load: ${st.label}, ${st.connections} connections, ${st.sizeLabel}, ${st.durationSec ?? st.requested} s`, '');
    if (st.error) {
      lines.push(`Failed: ${st.error.split('\n')[0]}`, '');
    } else {
      lines.push(
        `${fmt(st.rps)} req/s, p50 ${fmt(st.latencyMs.p50, 2)} ms, p99 ${fmt(st.latencyMs.p99, 2)} ms, max ${fmt(st.latencyMs.max, 1)} ms, ` +
          `non-2xx ${fmt(st.non2xx)}, errors ${fmt(st.errors)}.`,
        '',
        `RSS sampled every second: start ${st.memory.startMB} MB, mid ${st.memory.midMB} MB, end ${st.memory.endMB} MB, peak ${st.memory.peakMB} MB; ` +
          `slope ${st.memory.slopeMBPerMin} MB/min overall, ${st.memory.secondHalfSlopeMBPerMin} MB/min over the second half.`,
        '',
        `RSS floor (lowest sample of each 5 s window), MB: ${st.memory.floorsMB.map((f) => f.rssMB).join(', ')}.`,
        ...(st.queueDepth?.length
          ? ['', `Backlog (\`webhook_queue_depth\` queued + processing) every 5 s: ${st.queueDepth.filter((_, i) => i % 5 === 0).map((q) => q.depth).join(', ')}; at the end ${st.queueDepth.at(-1).depth}.`]
          : []),
        '',
      );
    }
  }
  lines.push('## Targets', '', '| target | measured | verdict |', '| --- | --- | --- |');
  for (const t of results.targets) {
    lines.push(`| ${t.target} | ${t.measured} | ${verdict(t.met)}${t.busy ? ' (unreliable: machine busy or host slow)' : ''} |`);
  }
  lines.push('');
  if (results.failures.length) {
    lines.push('## Failures', '');
    for (const f of results.failures) lines.push(`### ${f.label}`, '', '```', f.error, '```', '');
  }
  return lines.join('\n');
}
