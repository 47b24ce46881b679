// The requests `npm run fuzz` sends: the fixtures as their senders sent them, their bytes mutated,
// their JSON trees mutated (retry wrapping, deep nesting, big numbers, odd keys), JSON made from
// scratch, and odd headers on top. All from one seeded generator, so a run can be repeated.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SECRET = 'fixture-secret';
export const TOKEN = 'fixture-token';

/** xorshift32: deterministic for a seed. */
export function randomFrom(seed) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p };
}

export function loadFixtures(dir) {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.headers.json'))
    .map((file) => {
      const name = file.replace(/\.headers\.json$/, '');
      return { name, body: readFileSync(path.join(dir, `${name}.json`)), headers: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) };
    });
}

const hmac = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

/** PHP's json_encode escaping of JSON.stringify's text: `\/` and `\uXXXX` for non-ASCII. */
const php = (text) => text.replace(/[/\u007f-\uffff]/g, (c) => (c === '/' ? '\\/' : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')));

const TOKENS = ['[', ']', '{', '}', '"', '\\', ',', ':', '-0', '1e400', '9223372036854775807', '-9223372036854775809', '18446744073709551616', '1.0e+100', '"__proto__":', '"constructor":', '\\u0000', '\\ud800', '\\u2028', 'null', 'true', '[]', '{}', '\u00e9', '\u0000', '\uffff'];
const DEEP = (n, open, close) => open.repeat(n) + close.repeat(n);
const SCALARS = [null, true, false, 0, -1, 1.5, 1e308, -0, '', 'x', 'Caf\u00e9 \u{1F3DB}', '\u2028', 'a/b', 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent', 'OCA\\OpenRegister\\Event\\TestEvent', '1.0', '2026-03-02T09:15:27+00:00'];
/** JSON texts spliced in as raw text (what JSON.stringify cannot write): big integers, depth. */
const RAW = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '1.0e+100', '-0', '1e-400', () => DEEP(600, '[', ']'), () => DEEP(513, '{"a":', '}'), () => DEEP(20_000, '[', ']')];

function randomJson(r, depth) {
  if (depth <= 0 || r.chance(0.45)) return r.pick(SCALARS);
  const size = r.int(5);
  if (r.chance(0.5)) return Array.from({ length: size }, () => randomJson(r, depth - 1));
  const object = {};
  for (let i = 0; i < size; i++) object[r.pick(['id', '@self', 'data', 'object', 'event', 'class', 'specversion', 'type', 'time', 'timestamp', 'attempt', 'webhook', 'register', 'schema', '10', '9', 'é', '__proto__'])] = randomJson(r, depth - 1);
  return object;
}

/** Swaps one random node of a parsed tree for another value (a raw-text marker for RAW values). */
function mutateTree(r, tree, raws) {
  const holders = [];
  const stack = [tree];
  while (stack.length && holders.length < 500) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      holders.push([node, key]);
      stack.push(node[key]);
    }
  }
  if (!holders.length) return tree;
  const [holder, key] = r.pick(holders);
  const roll = r.next();
  if (roll < 0.25) delete holder[key];
  else if (roll < 0.55) holder[key] = randomJson(r, 3);
  else {
    const raw = r.pick(RAW);
    raws.push(typeof raw === 'function' ? raw() : raw);
    holder[key] = `\u0001raw${raws.length - 1}\u0001`;
  }
  return tree;
}

/** OpenRegister's retry wrapping, `times` over. */
function wrap(tree, times) {
  for (let attempt = 2; attempt < times + 2; attempt++) {
    tree = { event: tree.event ?? tree.type ?? 'x', webhook: { id: 'w', name: 'fuzz' }, data: tree, timestamp: '2026-03-02T09:17:27+00:00', attempt };
  }
  return tree;
}

function mutateBytes(r, body) {
  let bytes = Buffer.from(body);
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(bytes.length + 1);
    const roll = r.next();
    if (roll < 0.3 && bytes.length) bytes[Math.min(at, bytes.length - 1)] ^= 1 << r.int(8);
    else if (roll < 0.5) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + r.int(16))]);
    else if (roll < 0.6) bytes = bytes.subarray(0, at);
    else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(r.pick(TOKENS)), bytes.subarray(at)]);
  }
  return bytes;
}

/** Odd headers on top of a request's own. */
function mutateHeaders(r, headers, body) {
  const h = { ...headers };
  const roll = r.int(12);
  if (roll === 0) delete h['X-Webhook-Signature'];
  else if (roll === 1 && h['X-Webhook-Signature']) h['X-Webhook-Signature'] = h['X-Webhook-Signature'].replace(/^./, (c) => (c === '0' ? '1' : '0'));
  else if (roll === 2 && h['X-Webhook-Signature']) h['X-Webhook-Signature'] = 'sha256=' + h['X-Webhook-Signature'].toUpperCase();
  else if (roll === 3) h['Content-Type'] = r.pick(['text/plain', 'application/cloudevents+json', 'application/json; charset=latin1', ';;;', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']);
  else if (roll === 4) delete h['Content-Type'];
  else if (roll === 5) h.Authorization = r.pick([`Bearer ${TOKEN}`, 'Bearer wrong', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'x'.repeat(4000)]);
  else if (roll === 6) h['X-Api-Key'] = r.pick([TOKEN, '', 'nope']);
  else if (roll === 7) {
    const id = r.pick(['msg_1', '', 'x'.repeat(300)]);
    const timestamp = r.pick([String(Math.floor(Date.now() / 1000)), '0', '-1', 'soon', '99999999999999999999']);
    const signature = createHmac('sha256', Buffer.from(SECRET)).update(`${id}.${timestamp}.`).update(body).digest('base64');
    Object.assign(h, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': r.pick([`v1,${signature}`, 'v1,AAAA', `v2,${signature} v1,${signature}`, ''.padEnd(5000, 'v1,x ')]) });
  } else if (roll === 8) h['X-Forwarded-For'] = r.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1', ''.padEnd(2000, '1.1.1.1,')]);
  else if (roll === 9) h['X-Webhook-Signature'] = r.pick(['', 'zz', 'x'.repeat(8000), hmac(body) + ' ' + hmac(body)]);
  return h;
}

/** One request: `{ kind, headers, body }`. */
export function nextCase(r, fixtures) {
  const fixture = r.pick(fixtures);
  const roll = r.next();
  let kind;
  let body;
  if (roll < 0.1) return { kind: 'fixture', headers: fixture.headers, body: fixture.body };
  if (roll < 0.4) {
    kind = 'bytes';
    body = mutateBytes(r, fixture.body);
  } else if (roll < 0.8) {
    kind = 'tree';
    let tree = JSON.parse(fixture.body.toString('utf8'));
    const raws = [];
    for (let n = 1 + r.int(3); n > 0; n--) tree = mutateTree(r, tree, raws);
    if (r.chance(0.3)) tree = wrap(tree, 1 + r.int(r.chance(0.1) ? 40 : 3));
    body = Buffer.from(php(JSON.stringify(tree)).replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i) => raws[Number(i)]));
  } else if (roll < 0.97) {
    kind = 'scratch';
    body = Buffer.from(php(JSON.stringify(randomJson(r, 6)) ?? 'null'));
  } else {
    kind = 'large';
    const size = r.pick([4 * 1024 * 1024, 5 * 1024 * 1024 + 1, 6 * 1024 * 1024]);
    body = Buffer.from(`{"event":"x","webhook":{},"data":{"objectType":"object","object":{"id":"u","pad":"${'a'.repeat(size)}"}},"attempt":1}`);
  }
  const headers = { ...fixture.headers };
  if (headers['X-Webhook-Signature']) headers['X-Webhook-Signature'] = hmac(body);
  else if (!headers.Authorization) headers.Authorization = `Bearer ${TOKEN}`;
  return { kind, headers: r.chance(0.3) ? mutateHeaders(r, headers, body) : headers, body };
}
