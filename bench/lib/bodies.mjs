// Signed OpenRegister deliveries for the load generator.
//
// Each body is what OpenRegister's webhook service puts on the wire in its standard format
// (see shared/fixtures/openregister-object-created.json): PHP json_encode bytes, so `/` is written
// `\/` and non-ASCII as `\u00e9`, object fields at the top level beside `@self` and `id`.
// Every body is unique (fresh object uuid, title, numbers) so the service's deduplication never
// short-cuts a request, and carries a current timestamp because the service refuses signed
// timestamps older than its tolerance (300 s). Bodies are generated into a pool before a run so
// the generation is not part of what is measured.
//
// Big bodies are padded with user fields (a list of measurement records and a few long text
// fields). The padding text is serialised and escaped once per variant and spliced in as JSON text;
// only the small per-request part is serialised per body. The HMAC always covers the whole body.

import { createHmac, randomUUID } from 'node:crypto';

export const EVENT_CREATED = 'OCA\\OpenRegister\\Event\\ObjectCreatedEvent';
const WEBHOOK = { id: 'c0ffee00-0000-4000-8000-00000000be4c', name: 'bench to GIS' };
const CITIES = ['Utrecht', 'Zwolle', 'Den Haag', 'Groningen', "'s-Hertogenbosch", 'Leeuwarden', 'Maastricht', 'Tilburg'];
const WORDS = [
  'gemeente', 'register', 'object', 'café', 'straat', 'gebouw', 'monument', 'rijksmonument', 'eigenaar',
  'perceel', 'kadaster', 'bestemmingsplan', 'vergunning', 'Zoë', 'één', 'onderhoud', 'https://example.org/a/b',
  'toegankelijk', 'parkeren', 'fietsenstalling', 'energielabel', 'dak', 'gevel', 'kozijn', 'fundering', 'naïef',
];

/** PHP json_encode escaping of a JSON.stringify result: `/` -> `\/`, non-ASCII -> `\uXXXX`. */
export function phpJson(value) {
  return JSON.stringify(value).replace(/[/\u007f-\uffff]/g, (c) =>
    c === '/' ? '\\/' : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/** PHP DATE_ATOM of a Date: `2026-03-02T09:15:27+00:00`. */
export function phpDate(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Lowercase hex HMAC-SHA256 of the raw bytes, as OpenRegister's X-Webhook-Signature. */
export function sign(secret, raw) {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

function rng(seed) {
  // xorshift32: cheap, deterministic per variant so padding is reproducible
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function sentence(rand, approxChars) {
  let s = '';
  while (s.length < approxChars) s += (s ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s;
}

/**
 * JSON text of padding user fields (without surrounding braces, with a leading comma) of about
 * `bytes` bytes once serialised: half as `metingen` records, half as long text fields.
 */
function paddingFragment(bytes, seed) {
  if (bytes <= 0) return '';
  const rand = rng(seed);
  const records = [];
  let recordBytes = 0;
  const recordBudget = Math.floor(bytes / 2);
  while (recordBytes < recordBudget) {
    const rec = {
      datum: phpDate(new Date(Date.UTC(2020, 0, 1) + Math.floor(rand() * 1e11))),
      meetpunt: `MP-${Math.floor(rand() * 1e6)}`,
      waarde: Math.round(rand() * 1e6) / 100,
      eenheid: rand() < 0.5 ? 'kWh' : 'm³',
      opmerking: sentence(rand, 40 + Math.floor(rand() * 60)),
    };
    records.push(rec);
    recordBytes += phpJson(rec).length + 1;
  }
  let out = ',"metingen":' + phpJson(records);
  let i = 0;
  while (out.length < bytes) {
    const remaining = bytes - out.length;
    const key = `toelichting_${String(++i).padStart(3, '0')}`;
    const chars = Math.max(1, Math.min(8192, remaining - key.length - 6));
    let text = phpJson(sentence(rand, chars));
    // trim to the exact remaining room without cutting an escape sequence in half
    const room = remaining - key.length - 4;
    if (text.length > room) {
      text = text.slice(0, Math.max(2, room - 1)).replace(/\\(u[0-9a-f]{0,3})?$/, '') + '"';
    }
    out += `,"${key}":${text}`;
  }
  return out;
}

/**
 * Makes a generator of unique signed deliveries of about `targetBytes` bytes each.
 * Returns `{ next(): { body: Buffer, signature: string, uuid: string, at: ms }, baseBytes }`.
 */
export function createBodyFactory({ secret, targetBytes = 1024, variants = 8 }) {
  let seq = 0;

  // The per-request part is written as template text (uuid, numbers and dates need no escaping);
  // the constant pieces are escaped once here. Same bytes as phpJson() of the equivalent object.
  const head = `{"event":${phpJson(EVENT_CREATED)},"webhook":${phpJson(WEBHOOK)},"data":{"objectType":"object","action":"create","object":`;
  const cities = CITIES.map((c) => phpJson(c));
  const cafe = phpJson('café').slice(0, -1);
  const cafeValue = phpJson('Café ').slice(0, -1);
  const site = phpJson('https://or.example.org/gebouwen/').slice(0, -1);
  const uri = phpJson('https://or.example.org/index.php/apps/openregister/api/objects/5/12/').slice(0, -1);
  const selfTail =
    '"version":"1.0.0","register":"5","schema":"12","schemaVersion":"3","files":[],"relations":[],' +
    '"locked":null,"owner":"admin","organisation":"a6f1c2d4-1111-4e2b-9c3d-8e7f6a5b4c3d","groups":[],' +
    '"authorization":[],"folder":null,"application":null,"validation":[],"geo":[],"retention":[],"tmlo":[],';

  function build(uuid, now, padding) {
    const n = seq;
    const user =
      `{"title":"Gebouw ${n}","city":${cities[n % cities.length]},${cafe}":${cafeValue}${n} de Zaak",` +
      `"tags":${n % 3 ? '["monument","open"]' : '["monument"]'},` +
      `"address":{"street":"Korte Minrebroederstraat","number":${1 + (n % 300)}},` +
      `"bouwjaar":${1600 + Math.floor(Math.random() * 420)},"website":${site}${n}"`;
    const self =
      `{"id":"${uuid}","slug":"gebouw-${n}","name":"Gebouw ${n}","description":${n},"summary":null,` +
      `"image":null,"uri":${uri}${uuid}",${selfTail}"size":"${padding.length + 1300}",` +
      `"updated":"${now}","created":"${now}","deleted":[],"source":null}`;
    return (
      `${head}${user}${padding},"@self":${self},"id":"${uuid}"},` +
      `"objectUuid":"${uuid}","register":"5","schema":"12","timestamp":"${now}"},` +
      `"timestamp":"${now}","attempt":1}`
    );
  }

  const baseBytes = Buffer.byteLength(build(randomUUID(), phpDate(), ''));
  const padBytes = Math.max(0, targetBytes - baseBytes);
  const pads = Array.from({ length: padBytes > 0 ? variants : 1 }, (_, v) =>
    paddingFragment(padBytes, 0x9e3779b9 ^ ((v + 1) * 2654435761)),
  );

  return {
    baseBytes,
    next() {
      seq++;
      const uuid = randomUUID();
      const body = Buffer.from(build(uuid, phpDate(), pads[seq % pads.length]));
      return { body, signature: sign(secret, body), uuid, at: Date.now() };
    },
  };
}

/** Pre-generates `count` unique signed deliveries. */
export function generatePool(factory, count) {
  const pool = new Array(count);
  for (let i = 0; i < count; i++) pool[i] = factory.next();
  return pool;
}

/**
 * A supply of unique deliveries for one receiver process: `take(count)` hands out bodies not
 * sent before, first the ones a previous run left unused (while their timestamp is younger than
 * `maxAgeMs`, well inside the service's 300 s tolerance), then freshly generated ones;
 * `giveBack(pool, used)` keeps the unused tail of a run's pool for the next run.
 */
export function createBodySupply(factory, { maxAgeMs = 90000 } = {}) {
  let spare = [];
  return {
    take(count) {
      const oldest = Date.now() - maxAgeMs;
      const reused = spare.filter((b) => b.at >= oldest).slice(0, count);
      spare = [];
      const fresh = generatePool(factory, count - reused.length);
      return reused.length ? reused.concat(fresh) : fresh;
    },
    giveBack(pool, used) {
      spare = used < pool.length ? pool.slice(used) : [];
    },
  };
}
