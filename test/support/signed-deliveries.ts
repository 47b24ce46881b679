import { signHmac } from '../../src/auth/hmac-signature.js';
import { FIXTURE_SECRET, loadFixture } from './fixtures.js';
import { deliveryLines, type RawResponse, type TestApp } from './test-app.js';

/** The uuid of the object every OpenRegister fixture is about. */
export const FIXTURE_OBJECT_UUID = '0b1f8c7e-6d3a-4c55-9e0f-3a2b1c4d5e6f';

const CREATED = loadFixture('openregister-object-created').body.toString('utf8');

/**
 * The openregister-object-created body about another object: the same bytes as PHP wrote them
 * (`\/` and `\u00e9` escapes kept), with the uuid replaced everywhere and optionally another title,
 * so every copy is a different change that is handled, not deduplicated.
 */
export function createdBodyFor(uuid: string, title = 'Stadhuis Utrecht'): string {
  return CREATED.replaceAll(FIXTURE_OBJECT_UUID, uuid).replace('"title":"Stadhuis Utrecht"', `"title":${JSON.stringify(title)}`);
}

/** Headers OpenRegister sends with a body, signed with `secret` (the fixtures' secret by default). */
export function signedHeaders(body: Buffer | string, secret = FIXTURE_SECRET): Record<string, string> {
  return { 'Content-Type': 'application/json', 'User-Agent': 'OpenRegister-Webhooks/1.0', 'X-Webhook-Signature': signHmac(secret, body) };
}

/** The sum of `webhook_deliveries_total` over every format and event with this outcome. */
export function outcomeTotal(metricsText: string, outcome: string): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('webhook_deliveries_total{') && line.includes(`outcome="${outcome}"`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The one delivery log line of the delivery this response answered. */
export function deliveryLineOf(t: TestApp, response: RawResponse): Record<string, unknown> | undefined {
  const lines = deliveryLines(t.logs).filter((line) => line.deliveryId === response.body.deliveryId);
  if (lines.length > 1) throw new Error(`delivery ${String(response.body.deliveryId)} has ${lines.length} outcome lines`);
  return lines[0];
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; results in index order. */
export async function inPool<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
