#!/usr/bin/env node
// npm run fuzz: sends generated and mutated bodies and headers (scripts/fuzz/cases.mjs, starting
// from test/fixtures) to the built service, `node dist/main.js`, for FUZZ_SECONDS (60), half of
// the time in queued mode and half inline, and fails on any finding: a 5xx, a request that gets
// no answer (other than a body over the limit), the service exiting, a shutdown that does not
// end cleanly on SIGTERM, or a heap after full GC over FUZZ_MAX_HEAP_MB (96). Each finding is
// written to .fuzz-findings/ and printed with the command that replays it:
//
//   FUZZ_SECONDS=20 FUZZ_SEED=1234 npm run fuzz        # a run; the seed repeats it
//   node scripts/fuzz/run.mjs --replay .fuzz-findings/<file>.json
//
// Build first (`npm run build`). Usage: USAGE below. The service gets the fixtures' credentials, the memory store,
// no replay window (random bodies carry old timestamps) and no throttling (one address sends all).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from '../../bench/lib/cli.mjs';
import { freePort, httpReady, startProcess, stopProcess, waitReady } from '../../bench/lib/processes.mjs';
import { loadFixtures, nextCase, randomFrom, SECRET, TOKEN } from './cases.mjs';

const USAGE = `Usage: node scripts/fuzz/run.mjs [--replay FILE]   (npm run fuzz)

Sends generated and mutated bodies and headers to the built service (npm run build first), half the
time queued and half inline, and fails (exit 1) on any finding: a 5xx, a request with no answer,
the service exiting, an unclean shutdown, a heap after full GC over the bound. Findings go to
.fuzz-findings/, each with the command that replays it.

Options:
  --replay FILE   send one recorded finding again to a fresh service
  -h, --help      this text

Environment: FUZZ_SECONDS (60), FUZZ_SEED (random; the same seed repeats the cases),
FUZZ_CONCURRENCY (4), FUZZ_MAX_HEAP_MB (96).`;
const { values: OPTIONS } = parseCli({ name: 'scripts/fuzz/run.mjs', usage: USAGE, options: { replay: { type: 'string' } } });

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);
const MAX_HEAP_MB = Number(process.env.FUZZ_MAX_HEAP_MB ?? 96);
const BODY_LIMIT = 5 * 1024 * 1024;
const FINDINGS = path.join(ROOT, '.fuzz-findings');
const MAIN = path.join(ROOT, 'dist', 'main.js');

/** What a run leaves behind until it ends: removed on every way out (below), SIGINT included. */
const services = new Set();
const tempDirs = new Set();
/** Set on SIGINT/SIGTERM: the services stopping then is no finding. */
let interrupted = false;

function makeTempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Stops the services still running and removes the temporary folders; safe to call twice. */
async function cleanUp() {
  await Promise.all([...services].map((proc) => stopProcess(proc, 5000)));
  services.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

async function startService(mode, workDir) {
  const port = await freePort();
  const memoryOut = path.join(workDir, `memory-${mode}.jsonl`);
  const env = {
    PATH: process.env.PATH,
    PORT: String(port),
    WEBHOOK_SECRETS: SECRET,
    WEBHOOK_TOKENS: TOKEN,
    DELIVERY_MODE: mode,
    STORE_DRIVER: 'memory',
    DATA_DIR: workDir,
    WEBHOOK_TOLERANCE_SECONDS: '0',
    THROTTLE_UNAUTHENTICATED_LIMIT: '1000000000',
    THROTTLE_AUTHENTICATED_LIMIT: '1000000000',
    LOG_LEVEL: 'warn',
    BENCH_MEMORY_OUT: memoryOut,
    BENCH_MEMORY_EVERY_MS: '2000',
  };
  const proc = startProcess({
    name: `service (${mode})`,
    args: ['--expose-gc', '--import', path.join(ROOT, 'bench', 'lib', 'memory-hook.mjs'), MAIN],
    env,
    stdoutPath: path.join(workDir, `service-${mode}.log`),
  });
  services.add(proc);
  proc.exited.then(() => services.delete(proc));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, httpReady(`${url}/health/live`));
  return { proc, url, memoryOut, mode };
}

/** Sends one case; what came back, or why nothing did. */
async function send(url, { headers, body }) {
  try {
    const response = await fetch(`${url}/webhooks/openregister`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    return { status: response.status, text: (await response.text()).slice(0, 2000) };
  } catch (error) {
    return { status: 0, text: `${error.name}: ${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ''}` };
  }
}

function heapMbOf(memoryOut) {
  if (!existsSync(memoryOut)) return [];
  return readFileSync(memoryOut, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line).heapUsed / 2 ** 20);
}

function record(findings, finding, request) {
  if (interrupted) return;
  mkdirSync(FINDINGS, { recursive: true });
  const file = path.join(FINDINGS, `seed-${SEED}-${findings.length + 1}.json`);
  const saved = { ...finding, seed: SEED };
  if (request) Object.assign(saved, { headers: request.headers, bodyBase64: request.body.toString('base64'), kind: request.kind });
  writeFileSync(file, JSON.stringify(saved, null, 2));
  findings.push({ ...finding, file });
  console.error(`FINDING ${finding.what} (${finding.mode}): ${finding.detail}`);
  if (request) console.error(`  ${request.kind} body, ${request.body.length} bytes: ${request.body.toString('utf8', 0, 300)}${request.body.length > 300 ? '…' : ''}`);
  console.error(
    request
      ? `  reproduce: node scripts/fuzz/run.mjs --replay ${path.relative(ROOT, file)}`
      : `  reproduce: FUZZ_SEED=${SEED} FUZZ_SECONDS=${SECONDS} npm run fuzz (the same sequence of cases)`,
  );
}

async function fuzzMode(mode, seconds, r, fixtures, findings, counts, workDir) {
  const service = await startService(mode, workDir);
  const deadline = Date.now() + seconds * 1000;
  let sent = 0;
  const worker = async () => {
    while (Date.now() < deadline && !service.proc.exitInfo) {
      const request = nextCase(r, fixtures);
      const answer = await send(service.url, request);
      sent++;
      counts[answer.status] = (counts[answer.status] ?? 0) + 1;
      const tooLarge = request.body.length > BODY_LIMIT;
      if (answer.status >= 500 || (answer.status === 0 && !tooLarge && !service.proc.exitInfo)) {
        record(findings, { what: answer.status ? `HTTP ${answer.status}` : 'no answer', mode, detail: answer.text }, request);
      }
      if (service.proc.exitInfo) record(findings, { what: 'service exited', mode, detail: `${JSON.stringify(service.proc.exitInfo)}\n${service.proc.stderr.slice(-4000)}` }, request);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await new Promise((resolve) => setTimeout(resolve, 2500)); // one more GC sample after the load
  const heap = heapMbOf(service.memoryOut);
  const peak = Math.max(0, ...heap);
  if (peak > MAX_HEAP_MB) record(findings, { what: 'heap over bound', mode, detail: `heap after full GC reached ${peak.toFixed(1)} MB (bound ${MAX_HEAP_MB} MB): ${heap.map((mb) => mb.toFixed(0)).join(', ')}` });
  const exit = service.proc.exitInfo ?? (await stopProcess(service.proc));
  // Nest's shutdown hooks end the process with the signal it got, once everything is closed.
  const clean = exit.code === 0 || (exit.code === null && exit.signal === 'SIGTERM');
  if (!clean && !findings.some((f) => f.what === 'service exited')) record(findings, { what: 'unclean shutdown', mode, detail: `${JSON.stringify(exit)}\n${service.proc.stderr.slice(-4000)}` });
  console.log(`${mode}: ${sent} requests; heap after GC ${heap.length ? `${Math.min(...heap).toFixed(0)}–${peak.toFixed(0)} MB` : 'not sampled'}`);
}

async function replay(file) {
  const finding = JSON.parse(readFileSync(file, 'utf8'));
  const workDir = makeTempDir('fuzz-replay-');
  const service = await startService(finding.mode ?? 'queued', workDir);
  try {
    const answer = await send(service.url, { headers: finding.headers, body: Buffer.from(finding.bodyBase64 ?? '', 'base64') });
    console.log(`HTTP ${answer.status} ${answer.text}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (service.proc.exitInfo) console.log(`service exited: ${JSON.stringify(service.proc.exitInfo)}\n${service.proc.stderr}`);
    return answer.status >= 500 || answer.status === 0 || service.proc.exitInfo ? 1 : 0;
  } finally {
    await stopProcess(service.proc);
  }
}

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${path.relative(ROOT, MAIN)} is missing: run npm run build first`);
  if (OPTIONS.replay !== undefined) return replay(OPTIONS.replay);
  const fixtures = loadFixtures(path.join(ROOT, 'test', 'fixtures'));
  const r = randomFrom(SEED);
  const findings = [];
  const counts = {};
  const workDir = makeTempDir('fuzz-');
  console.log(`fuzz: ${SECONDS} s, seed ${SEED} (FUZZ_SEED=${SEED} repeats the cases), ${CONCURRENCY} in flight, heap bound ${MAX_HEAP_MB} MB`);
  for (const mode of ['queued', 'inline']) await fuzzMode(mode, SECONDS / 2, r, fixtures, findings, counts, workDir);
  console.log(`answers: ${Object.entries(counts).map(([status, n]) => `${status === '0' ? 'none' : status} ×${n}`).join(', ')}`);
  console.log(findings.length ? `fuzz: ${findings.length} finding(s), in ${path.relative(ROOT, FINDINGS)}/` : 'fuzz: no findings');
  return findings.length ? 1 : 0;
}

// Every way out goes through cleanUp: the end of a run, a failure, and an interrupt (Ctrl-C sends
// SIGINT to the service as well; `kill -INT` to this process alone does not, so it is stopped here).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the service and removing the temporary folders`);
    cleanUp().finally(() => process.exit(130));
  });
}
main()
  .catch((error) => {
    console.error(error);
    return 2;
  })
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  });
