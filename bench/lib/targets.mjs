// The receivers under test and how to start each one on loopback.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createBenchDatabase, stopDatabaseServer } from './database.mjs';
import { HOST, freePort, httpReady, startProcess, stopProcess, tcpReady, waitReady } from './processes.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SECRET = 'bench-secret';
export const WEBHOOK_PATH = '/webhooks/openregister';

export const SIZES = {
  '1kb': { label: '1 KB', bytes: 1024, guessRps: 20000 },
  '100kb': { label: '100 KB', bytes: 100 * 1024, guessRps: 2000 },
  '1mb': { label: '1 MB', bytes: 1024 * 1024, guessRps: 200 },
};

/**
 * `queued` and `inline` run the default platform (Express); `-fastify` the same mode on Fastify
 * (HTTP_ADAPTER), so one run measures both platforms side by side. A build from before
 * HTTP_ADAPTER ignores the variable and runs Fastify whatever the target says.
 */
export const TARGETS = {
  queued: { label: 'service, queued, Express', service: true, expectStatus: 202, env: { DELIVERY_MODE: 'queued', HTTP_ADAPTER: 'express' } },
  'queued-fastify': { label: 'service, queued, Fastify', service: true, expectStatus: 202, env: { DELIVERY_MODE: 'queued', HTTP_ADAPTER: 'fastify' } },
  inline: { label: 'service, inline, Express', service: true, expectStatus: 200, env: { DELIVERY_MODE: 'inline', HTTP_ADAPTER: 'express' } },
  'inline-fastify': { label: 'service, inline, Fastify', service: true, expectStatus: 200, env: { DELIVERY_MODE: 'inline', HTTP_ADAPTER: 'fastify' } },
  // Queued on PostgreSQL on this machine (bench/lib/database.mjs), a database of its own per process; on
  // Express, as `queued`, which it is judged against.
  postgres: { label: 'service, queued, PostgreSQL, Express', service: true, database: true, expectStatus: 202, env: { DELIVERY_MODE: 'queued', STORE_DRIVER: 'postgres', HTTP_ADAPTER: 'express' } },
  naive: { label: 'naive Express', script: 'bench/receivers/naive-express.mjs' },
  floor: { label: 'floor node:http', script: 'bench/receivers/floor-http.mjs' },
};

/**
 * The service's environment as in production: HMAC authentication, validation, deduplication,
 * metrics, info logging and the audit handler all on. One exception: the per-address limit for
 * authenticated senders (default 60,000 a minute) is raised, because all load comes from one
 * address and would otherwise be answered 429 after the first minute's worth; the throttler guard
 * still runs and counts every request.
 */
export const SERVICE_ENV = {
  WEBHOOK_SECRETS: SECRET,
  LOG_LEVEL: 'info',
  AUDIT_LOG_ENABLED: 'true',
  THROTTLE_AUTHENTICATED_LIMIT: '1000000000',
};

/**
 * The V8 heap ceiling the service runs with, in MiB, as the Helm chart sets it for its default
 * container (`resources.limits.memory: 512Mi` -> `--max-old-space-size=256`). Without it, V8 on
 * this 24 GB machine allows itself a ~4 GB heap and defers full collections for minutes, which
 * reads as a leak in any RSS graph (bench/README.md, "Memory"). 0: Node's own default.
 */
export const SERVICE_HEAP_MIB = 256;

/**
 * Node flags the image starts the service with (Dockerfile `CMD`, `npm start`): the young
 * generation starts at its full 16 MiB per semi-space instead of growing from 1 MiB (ADR 0008).
 */
export const SERVICE_NODE_ARGS = ['--min-semi-space-size=16'];

function listing(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath ?? e.path, e.name);
      const st = statSync(file);
      return `${path.relative(dir, file)}:${st.size}:${st.mtimeMs}`;
    })
    .sort()
    .join('\n');
}

/**
 * Copies dist/ to `dest` (inside the repository, so node_modules still resolves) and returns the
 * copy's main.js: a rebuild by someone else during a run (the build empties dist/) then cannot
 * pull the service away from under the benchmark. Copies only a dist/ that did not change for
 * 2 s before and during the copy (a build in progress), waiting up to `timeoutMs` for one.
 * Throws when the service is not built.
 */
export async function snapshotDist(dest, { timeoutMs = 120000 } = {}) {
  const dist = path.join(ROOT, 'dist');
  const main = path.join(dist, 'main.js');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (existsSync(main)) {
        const before = listing(dist);
        const newest = Math.max(...before.split('\n').map((l) => Number(l.split(':').at(-1))));
        if (Date.now() - newest > 2000) {
          rmSync(dest, { recursive: true, force: true });
          cpSync(dist, dest, { recursive: true });
          if (listing(dist) === before) return path.join(dest, 'main.js');
        }
      }
    } catch {
      // dist/ changed under us: try again
    }
    if (Date.now() > deadline) {
      throw new Error(`${main} does not exist or dist/ kept changing for ${timeoutMs / 1000} s: run \`npm run build\` first`);
    }
    await sleep(1000);
  }
}

/** Processes started and not yet stopped, so an interrupted run can stop them. */
const live = new Set();

/**
 * Starts one receiver on a free 127.0.0.1 port and waits until it is ready (`GET /health/ready`
 * = 200 for the service, a TCP connect for the anchors). Throws with the child's stderr when it
 * does not start. Options: `serviceLog` (stdout file), `serviceEnv` (extra variables),
 * `nodeArgs` (extra node flags for the service), `heapMiB` (V8 heap ceiling, default
 * SERVICE_HEAP_MIB, 0 for Node's default), `serviceMain` (main.js to run, default dist/main.js).
 */
export async function startTarget(
  name,
  { serviceLog = '/dev/null', serviceEnv = {}, nodeArgs = [], heapMiB = SERVICE_HEAP_MIB, serviceMain = path.join(ROOT, 'dist', 'main.js') } = {},
) {
  const t = TARGETS[name];
  const port = await freePort();
  const baseEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.homedir(),
    TMPDIR: os.tmpdir(),
    NODE_ENV: 'production',
    PORT: String(port),
  };
  let dataDir = null;
  let database = null;
  let proc;
  if (t.service) {
    const main = serviceMain;
    if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` first`);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'orw-bench-'));
    if (t.database) database = await createBenchDatabase();
    proc = startProcess({
      name: t.label,
      args: [...(heapMiB > 0 ? [`--max-old-space-size=${heapMiB}`] : []), ...SERVICE_NODE_ARGS, ...nodeArgs, main],
      cwd: ROOT,
      stdoutPath: serviceLog,
      env: { ...baseEnv, ...SERVICE_ENV, DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}), ...t.env, ...serviceEnv },
    });
    live.add(proc);
    try {
      await waitReady(proc, httpReady(`http://${HOST}:${port}/health/ready`), 60000);
    } catch (err) {
      live.delete(proc);
      await stopProcess(proc, 2000);
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
      throw err;
    }
  } else {
    proc = startProcess({
      name: t.label,
      args: [path.join(ROOT, t.script)],
      cwd: ROOT,
      env: { ...baseEnv, WEBHOOK_SECRETS: SECRET },
    });
    live.add(proc);
    try {
      await waitReady(proc, tcpReady(port), 30000);
    } catch (err) {
      live.delete(proc);
      await stopProcess(proc, 2000);
      throw err;
    }
  }
  return {
    name,
    label: t.label,
    service: !!t.service,
    expectStatus: t.expectStatus ?? null,
    port,
    proc,
    url: `http://${HOST}:${port}${WEBHOOK_PATH}`,
    /** The database target's server and the CPU of its connections (bench/lib/database.mjs). */
    database,
    async stop() {
      live.delete(proc);
      // queued mode may still be draining its inbox: give it time to finish
      const info = await stopProcess(proc, 15000);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
      return info;
    },
  };
}

/** Stops every process still running (on Ctrl-C or a crash of the harness). */
async function stopAll() {
  await Promise.all([...live].map((p) => stopProcess(p, 3000)));
  live.clear();
}

/**
 * Runs a benchmark script's `main`, stopping every receiver it started when it fails or the run
 * is interrupted (SIGINT/SIGTERM): none is left running on its port. `cleanup` runs too.
 */
export function runBenchmark(main, cleanup = () => {}) {
  const stop = async (code, message) => {
    if (message) process.stderr.write(`${message}\n`);
    await stopAll();
    await stopDatabaseServer().catch(() => undefined);
    cleanup();
    process.exit(code);
  };
  process.once('SIGINT', () => stop(130, '\nSIGINT: stopping the receivers'));
  process.once('SIGTERM', () => stop(130, '\nSIGTERM: stopping the receivers'));
  main()
    .then(() => stopDatabaseServer())
    .catch((err) => stop(1, err.stack ?? String(err)));
}

/**
 * A gauge or counter of the service's /metrics, summed over the series whose labels contain one
 * of `labelMatches` (e.g. `status="queued"`; all series when empty); null if unreadable.
 */
export async function metricValue(port, name, labelMatches = []) {
  try {
    const res = await fetch(`http://${HOST}:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    let sum = null;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})?\\s+([0-9.e+-]+)`, 'gm'))) {
      if (labelMatches.length && !labelMatches.some((l) => (m[1] ?? '').includes(l))) continue;
      sum = (sum ?? 0) + Number(m[2]);
    }
    return sum;
  } catch {
    return null;
  }
}

/** `webhook_deliveries_total` summed by outcome, from the service's /metrics; null if unreadable. */
export async function deliveriesByOutcome(port) {
  try {
    const res = await fetch(`http://${HOST}:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const out = {};
    for (const m of text.matchAll(/^webhook_deliveries_total\{([^}]*)\}\s+([0-9.e+]+)/gm)) {
      const outcome = /outcome="([^"]*)"/.exec(m[1])?.[1] ?? 'unknown';
      out[outcome] = (out[outcome] ?? 0) + Number(m[2]);
    }
    return out;
  } catch {
    return null;
  }
}
