import { expect } from '@jest/globals';
import type { HandledEvents } from './recording.handler.js';
import { deliveryLineOf, outcomeTotal } from './signed-deliveries.js';
import type { RawResponse, TestApp } from './test-app.js';

/** A 200 answer with this status, its one delivery log line and one count of its outcome. */
export async function expectAnswered(
  t: TestApp,
  send: () => Promise<RawResponse>,
  status: 'processed' | 'duplicate' | 'ignored' = 'processed',
): Promise<RawResponse> {
  const before = outcomeTotal(await t.metrics(), status);
  const response = await send();
  const original = status === 'duplicate' ? { originalDeliveryId: expect.any(String) } : {};
  expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { status, deliveryId: expect.any(String), ...original } });
  expect(deliveryLineOf(t, response)).toMatchObject({ outcome: status, status: 200 });
  expect(outcomeTotal(await t.metrics(), status)).toBe(before + 1);
  return response;
}

export interface Refusal {
  status: number;
  error: string;
  outcome: string;
  /** One of the answer's `details`, exactly or by pattern. */
  detail?: string | RegExp;
  /** When given: no handler may have run. */
  handled?: HandledEvents;
}

/** A refusal: status, error, one delivery log line and one count of its outcome, and no handler run. */
export async function expectRefused(t: TestApp, send: () => Promise<RawResponse>, expected: Refusal): Promise<RawResponse> {
  const before = outcomeTotal(await t.metrics(), expected.outcome);
  const handledBefore = expected.handled?.received.length;
  const response = await send();
  expect(response.status).toBe(expected.status);
  expect(response.body).toMatchObject({ statusCode: expected.status, error: expected.error, deliveryId: expect.any(String) });
  if (expected.detail !== undefined) {
    expect(response.body.details).toEqual(expect.arrayContaining([typeof expected.detail === 'string' ? expected.detail : expect.stringMatching(expected.detail)]));
  }
  expect(deliveryLineOf(t, response)).toMatchObject({ outcome: expected.outcome, status: expected.status });
  expect(outcomeTotal(await t.metrics(), expected.outcome)).toBe(before + 1);
  if (expected.handled) expect(expected.handled.received).toHaveLength(handledBefore!);
  return response;
}
