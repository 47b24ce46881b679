// Self time of a V8 .cpuprofile charged to the stages of a delivery (issue 19's per-stage table).
// A sample goes to the first stage in STAGES that has a frame on its stack (any depth), so the
// worker's store calls count as the worker's, and what matches none is the platform and Nest's
// pipeline (routing, Nest's guards/pipes/handler plumbing, node:http, sockets, V8 itself).
// Stacks are synchronous: code that resumes after an `await` has the resumed function at its root.
import path from 'node:path';

// The worker's file, under its name before and after the rename (profiles of older builds too).
const WORKER_FILE = /delivery-worker(\.service)?\.js$/;

/** [stage, test(functionName, file relative to the root, dist/ for the service)], in priority order. */
const STAGES = [
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['worker: claim', (fn, f) => (fn === 'claim' && WORKER_FILE.test(f)) || fn === 'claimDue'],
  ['worker: finish', (fn, f) => /^(writeFinished|finish\w*)$/.test(fn) && /dist\/(store|delivery)\//.test(f)],
  ['worker: handlers', (fn, f) => f.startsWith('dist/handlers/') || f.startsWith('dist/forwarding/')],
  ['worker: rest (pump, metrics, log)', (fn, f) => WORKER_FILE.test(f) || f.endsWith('delivery.metrics.js')],
  ['durable write (group commit)', (fn, f) => f.startsWith('dist/store/') || f.endsWith('-delivery.strategy.js')],
  ['outcome log line and metrics', (fn, f) => f.endsWith('delivery-outcome.recorder.js')],
  ['idempotency key', (fn, f) => f.startsWith('dist/idempotency/')],
  ['normalisation', (fn, f) => f.startsWith('dist/events/') && !f.endsWith('exact-json.js')],
  ['class-validator', (fn, f) => (fn === 'validate' && f.endsWith('parse-delivery.js')) || f.startsWith('dist/ingest/envelopes/')],
  ['parse (JSON, exact integers)', (fn, f) => f.endsWith('exact-json.js') || (fn === 'parseJson' && f.endsWith('parse-delivery.js'))],
  ['parse pipe (rest)', (fn, f) => f.startsWith('dist/ingest/parse-delivery') || f.endsWith('signed-timestamp.js')],
  ['auth (HMAC)', (fn, f) => f.startsWith('dist/auth/') && !f.endsWith('ip-allowlist.check.js')],
  ['throttle', (fn, f) => f.startsWith('dist/throttling/') || f.includes('node_modules/@nestjs/throttler/')],
  ['body read', (fn, f) => f.includes('node_modules/raw-body/') || fn === 'readRawBody' || ((fn === 'rawBody' || fn === 'onData') && f.includes('node_modules/fastify/lib/content-type-parser.js'))],
  ['intake (trace, IP, media type)', (fn, f) => /^dist\/(ingest\/(webhook-intake|delivery-id|media-type)|auth\/ip-allowlist|common\/ip-allowlist)/.test(f)],
  ['error filter', (fn, f) => f.endsWith('webhook-error.filter.js')],
  ['response', (fn, f) => f.endsWith('router-response-controller.js') || f.endsWith('express/lib/response.js') || f.includes('node_modules/fastify/lib/reply.js') || (fn === 'reply' && f.includes('@nestjs/platform-'))],
];
const REST = 'platform and Nest pipeline (the rest)';
export const STAGE_NAMES = [...STAGES.map(([name]) => name), REST];

function fileOf(url, root) {
  if (!url) return '';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = file.startsWith(root) ? path.relative(root, file) : file;
  return rel.replace(/^bench\/results\/\.dist-[^/]+\//, 'dist/');
}

/**
 * µs of CPU per request by stage: `{ busyMs, requests, stages: [{ stage, ms, usPerRequest, share }] }`.
 * `requests` is what the process worked on during the profile (the service's own count).
 */
export function stageCosts(profile, { root = process.cwd(), requests }) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stageOfNode = new Map();
  const stageOf = (id) => {
    if (stageOfNode.has(id)) return stageOfNode.get(id);
    let best = STAGES.length;
    for (let cur = id; cur != null; cur = parent.get(cur)) {
      const { functionName, url } = byId.get(cur).callFrame;
      const fn = functionName || '(anonymous)';
      const f = fileOf(url, root);
      for (let i = 0; i < best; i++) {
        if (STAGES[i][1](fn, f)) {
          best = i;
          break;
        }
      }
    }
    stageOfNode.set(id, best);
    return best;
  };
  const us = new Array(STAGES.length + 1).fill(0);
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i];
    if (byId.get(id).callFrame.functionName === '(idle)') idleUs += dt;
    else us[stageOf(id)] += dt;
  }
  const busyUs = us.reduce((a, b) => a + b, 0);
  return {
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    requests,
    stages: STAGE_NAMES.map((stage, i) => ({
      stage,
      ms: Math.round(us[i] / 100) / 10,
      usPerRequest: requests ? Math.round((us[i] / requests) * 10) / 10 : null,
      share: Math.round((us[i] / busyUs) * 1000) / 10,
    })),
    usPerRequest: requests ? Math.round((busyUs / requests) * 10) / 10 : null,
  };
}

export function renderStages(s) {
  const lines = ['| stage | µs CPU per request | share of busy % |', '| --- | ---: | ---: |'];
  for (const x of s.stages) lines.push(`| ${x.stage} | ${x.usPerRequest ?? '–'} | ${x.share} |`);
  lines.push(`| **all** (${s.requests} requests, busy ${s.busyMs} ms) | **${s.usPerRequest ?? '–'}** | 100 |`);
  return lines.join('\n');
}
