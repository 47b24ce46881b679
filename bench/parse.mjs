#!/usr/bin/env node
// Micro-benchmark of the parse path: raw bytes to a validated, normalised event with its
// idempotency key, i.e. what the parse pipe does per delivery, without HTTP, auth or the store.
//
//   node bench/parse.mjs [--old /tmp/old-parse] [--sizes fixtures,1kb,100kb,1mb] [--rounds 7] [--round-ms 400]
//
// Compiles src/ of this checkout (and of --old, e.g. `git worktree add /tmp/old-parse HEAD`) with
// SWC and runs both in this process, round by round in turns, so a busy machine slows both alike.
// Prints the median µs per delivery of each version and the ratio old/new. Before timing, it checks
// that both versions give the same event, the same idempotency key and the same refusals.
import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createBodyFactory } from './lib/bodies.mjs';
import { integerOption, parseCli, usageError } from './lib/cli.mjs';
import { loadParsePath } from './lib/compile-parse-path.mjs';
import { median } from './lib/stats.mjs';
import { ROOT, SIZES } from './lib/targets.mjs';

const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'parse-bench');
const FIXTURES_DIR = path.resolve(ROOT, '..', 'shared', 'fixtures');
const RECEIVED_AT = Date.parse('2030-01-01T00:00:00Z');
/** Enough unique bodies per size that the loop does not run over the same few objects only. */
const POOL = { fixtures: 7, '1kb': 512, '100kb': 32, '1mb': 6 };

/** Bodies every version must refuse with the same reason and details. */
const REFUSED = [
  '{"event":',
  '[1]',
  '{"hello":"world"}',
  '{"event":"x","webhook":{},"data":"nope","attempt":1}',
  '{"event":"x","webhook":{},"data":[{"objectType":1}],"attempt":0}',
  '{"event":"x","webhook":{"id":""},"data":{"objectType":"object","register":[]},"timestamp":"nope","attempt":1.5}',
  '{"specversion":"0.3","type":"","source":"s","id":"i","data":{"object":[]}}',
  '{"event":{"node":{}},"user":"u","time":1}',
  '{"event":{"class":"c","newObject":"x"},"user":{"uid":5},"time":"1"}',
  '{"event":"x","data":{"something":1}}',
  '{"event":"x","data":{"newObject":[],"oldObject":null}}',
  '{"event":"x","webhook":{},"data":{"objectType":"object","object":{"id":"u","@self":{"id":"v"}}},"attempt":1}',
  '{"event":"x","webhook":{},"data":{"objectType":"object","object":{}},"attempt":1}',
];

const USAGE = `Usage: node bench/parse.mjs [options]

Micro-benchmark of the parse path (raw bytes to a validated, normalised event with its idempotency
key) without HTTP, auth or the store. Compiles src/ of this checkout (and of --old) with SWC and runs
both in this process, round by round in turns; prints the median µs per delivery and old/new.

Options:
  --old DIR         another checkout to compare with (git worktree add /tmp/old-parse HEAD)
  --sizes L         comma list of ${Object.keys(POOL).join(',')} (all)
  --rounds N        rounds (7)
  --round-ms MS     milliseconds per version and round (400)
  -h, --help        this text`;

function options(argv) {
  const cli = { name: 'bench/parse.mjs', usage: USAGE };
  const text = (fallback) => ({ type: 'string', default: fallback });
  const { values: o } = parseCli({ ...cli, argv, options: { old: text(''), sizes: text('fixtures,1kb,100kb,1mb'), rounds: text('7'), 'round-ms': text('400') } });
  const sizes = o.sizes.split(',').map((s) => s.trim());
  for (const s of sizes) if (!(s in POOL)) usageError(cli.name, `--sizes takes ${Object.keys(POOL).join(', ')}, not '${s}'`, USAGE);
  return { old: o.old ? path.resolve(o.old) : undefined, sizes, rounds: integerOption(cli, 'rounds', o.rounds, 1), roundMs: integerOption(cli, 'round-ms', o['round-ms'], 1) };
}

function bodiesOf(size) {
  if (size === 'fixtures') {
    return readdirSync(FIXTURES_DIR)
      .filter((name) => name.endsWith('.json') && !name.endsWith('.headers.json'))
      .map((name) => readFileSync(path.join(FIXTURES_DIR, name)));
  }
  const factory = createBodyFactory({ secret: 'bench', targetBytes: SIZES[size].bytes });
  return Array.from({ length: POOL[size] }, () => factory.next().body);
}

/** What the parse pipe does with one authenticated body (HMAC-signed, no webhook-id). */
async function deliver(impl, rawBody) {
  const parsed = await impl.parseDelivery(rawBody);
  const signedAt = impl.signedTimestampOf(parsed);
  const event = impl.normaliseEvent(parsed, new Date(RECEIVED_AT));
  return { signedAt, event, key: impl.idempotencyKey(event) };
}

async function outcome(impl, rawBody) {
  try {
    return await deliver(impl, rawBody);
  } catch (error) {
    return { reason: error.reason, message: error.message, details: error.details };
  }
}

/** Same event, key and refusals from every version; a faster version that answers otherwise is no use. */
async function assertSameAnswers(impls, bodies) {
  const samples = [...bodies, ...REFUSED.map((text) => Buffer.from(text))];
  for (const body of samples) {
    const [first, ...others] = await Promise.all(impls.map((impl) => outcome(impl, body)));
    for (const [i, other] of others.entries()) {
      if (!isDeepStrictEqual(first, other)) {
        console.error('first:', JSON.stringify(first).slice(0, 2000));
        console.error('other:', JSON.stringify(other).slice(0, 2000));
        throw new Error(`${impls[i + 1].label} answers otherwise than ${impls[0].label} for ${body.toString('utf8', 0, 120)}…`);
      }
    }
  }
}

/** Runs over the pool for about `ms`; returns µs per delivery. */
async function timeRound(impl, bodies, ms) {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (const body of bodies) await deliver(impl, body);
    calls += bodies.length;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / calls;
}

const fmt = (us) => (us >= 100 ? us.toFixed(0) : us.toFixed(1));

async function main() {
  const opts = options(process.argv.slice(2));
  const impls = [];
  if (opts.old) impls.push(await loadParsePath(opts.old, 'old', CACHE_DIR));
  impls.push(await loadParsePath(ROOT, 'new', CACHE_DIR));

  console.log(`| bodies | bytes | ${impls.map((i) => `${i.label} µs`).join(' | ')}${opts.old ? ' | old/new' : ''} |`);
  console.log(`| --- | ---: | ${impls.map(() => '---:').join(' | ')}${opts.old ? ' | ---:' : ''} |`);
  for (const size of opts.sizes) {
    const bodies = bodiesOf(size);
    await assertSameAnswers(impls, bodies);
    for (const impl of impls) await timeRound(impl, bodies, opts.roundMs / 2); // warm-up
    const samples = impls.map(() => []);
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate who goes first, so neither always runs right after the other's garbage.
      const order = round % 2 ? [...impls.keys()].reverse() : [...impls.keys()];
      for (const i of order) samples[i].push(await timeRound(impls[i], bodies, opts.roundMs));
    }
    const medians = samples.map(median);
    const bytes = Math.round(bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length);
    const ratio = opts.old ? ` | ${(medians[0] / medians[1]).toFixed(2)}×` : '';
    console.log(`| ${size} | ${bytes} | ${medians.map(fmt).join(' | ')}${ratio} |`);
  }
}

await main();
