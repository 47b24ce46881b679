// The floor: the least a receiver that checks the sender can do with node:http. Reads the raw
// body, checks X-Webhook-Signature (lowercase hex HMAC-SHA256 of the raw bytes) in constant time,
// parses the JSON and answers. No framework, no validation, no durability.
// Anchor for the benchmark; not part of the service.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const port = Number(process.env.PORT ?? 3002);
const secret = (process.env.WEBHOOK_SECRETS ?? 'bench-secret').split(',')[0];
const LIMIT_IN_BYTES = 5 * 1024 * 1024;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

function answer(res, status, payload) {
  const json = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/webhooks/openregister') return answer(res, 404, { error: 'not found' });
  const chunks = [];
  let length = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    length += chunk.length;
    if (length > LIMIT_IN_BYTES) {
      tooLarge = true;
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return answer(res, 413, { error: 'too large' });
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
    const header = req.headers['x-webhook-signature'];
    if (typeof header !== 'string' || !HEX_SHA256.test(header)) return answer(res, 401, { error: 'unauthorized' });
    const expected = createHmac('sha256', secret).update(raw).digest();
    if (!timingSafeEqual(Buffer.from(header, 'hex'), expected)) return answer(res, 401, { error: 'unauthorized' });
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, { error: 'malformed JSON' });
    }
    answer(res, 200, { status: 'processed', event: body?.event, objectUuid: body?.data?.object?.id ?? body?.data?.objectUuid });
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`floor-http listening on 127.0.0.1:${port}\n`);
});
