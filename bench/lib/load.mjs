// One closed-loop load run with autocannon's programmatic API.
//
// Every request takes the next body of a pre-generated pool through one cursor shared by all
// connections, so no body is sent twice (autocannon's own `requests` array is replayed from the
// start by every connection, which would send duplicates). When the pool runs low the run is
// stopped early; if it runs out anyway the bodies are reused and the run says so (`reused`).
// Latencies are recorded here in microsecond precision (autocannon's histogram keeps whole
// milliseconds, too coarse on loopback); only 2xx answers count, as in autocannon.
import autocannon from 'autocannon';

/** Percentile of an ascending sorted array (nearest rank). */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

const round3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);

/**
 * Runs `connections` connections for `durationSec` seconds against `url`, sending pool bodies.
 * @returns summary: rps (2xx per second), latency in ms, non2xx, errors, bodies used, etc.
 */
export function runLoad({ url, connections, durationSec, pool, timeoutSec = 30 }) {
  return new Promise((resolve, reject) => {
    let cursor = 0;
    let reused = 0;
    let stopping = false;
    let instance = null;
    // Bodies still needed after stop(): autocannon stops at its next sample tick (sampleInt =
    // 100 ms), and until then every answer makes its connection send the next body. So keep one
    // per connection plus 0.2 s of requests at the rate seen so far.
    const minReserve = Math.min(Math.floor(pool.length / 4), connections + 20);
    let firstAt = 0;
    let firstCursor = 0;
    let latencies = new Float64Array(1 << 16);
    let nLat = 0;
    const statusCodes = {};

    const setupRequest = (req) => {
      if (cursor >= pool.length) reused++;
      const item = pool[cursor % pool.length];
      cursor++;
      if (!stopping && instance) {
        const now = performance.now();
        if (!firstAt) {
          firstAt = now;
          firstCursor = cursor;
        }
        const rate = now - firstAt > 200 ? ((cursor - firstCursor) * 1000) / (now - firstAt) : 0;
        if (cursor >= pool.length - minReserve - rate * 0.2) {
          stopping = true;
          instance.stop();
        }
      }
      req.body = item.body;
      req.headers['X-Webhook-Signature'] = item.signature;
      return req;
    };

    try {
      instance = autocannon(
        {
          url,
          method: 'POST',
          connections,
          duration: durationSec,
          timeout: timeoutSec, // the sender gives up after 30 s
          sampleInt: 100,
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'OpenRegister-Webhooks/1.0' },
          requests: [{ setupRequest }],
        },
        (err, result) => {
          if (err) return reject(err);
          const lat = latencies.subarray(0, nLat).sort();
          let sum = 0;
          for (let i = 0; i < nLat; i++) sum += lat[i];
          const ok = result['2xx'];
          resolve({
            connections,
            durationSec: result.duration,
            requested: durationSec,
            stoppedEarly: stopping,
            sent: result.requests.sent,
            completed: result.requests.total,
            ok,
            non2xx: result.non2xx,
            errors: result.errors,
            timeouts: result.timeouts,
            statusCodes,
            rps: Math.round((ok / result.duration) * 10) / 10,
            latencyMs: {
              mean: round3(nLat ? sum / nLat : null),
              p50: round3(percentile(lat, 50)),
              p90: round3(percentile(lat, 90)),
              p99: round3(percentile(lat, 99)),
              p999: round3(percentile(lat, 99.9)),
              max: round3(nLat ? lat[nLat - 1] : null),
            },
            bodies: { pool: pool.length, used: cursor, reused },
          });
        },
      );
    } catch (err) {
      return reject(err);
    }
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        if (nLat === latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[nLat++] = responseTimeMs;
      }
    });
  });
}
