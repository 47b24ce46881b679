import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { OpenRegisterEvent, OpenRegisterObject } from '../events/openregister-event.js';
import type { ObjectStateStore } from '../store/object-state.store.js';
import type { DeliveryReceipt, DeliveryStrategy } from './delivery-strategy.js';
import { PreviousStateStrategy } from './previous-state.strategy.js';

const object = (data: Record<string, unknown>): OpenRegisterObject => ({ uuid: 'u1', data, meta: {} });
const event = (type: string, data: Record<string, unknown>): OpenRegisterEvent => ({ type, eventClass: 'x', format: 'feed', occurredAt: '', object: object(data) });

function harness(answer: DeliveryReceipt['status'] = 'accepted', failPut = false) {
  const remembered = new Map<string, { state: OpenRegisterObject; expiresAt: number }>();
  const states: ObjectStateStore = {
    get: async (uuid) => remembered.get(uuid)?.state,
    put: async (uuid, state, expiresAt) => {
      if (failPut) throw new Error('disk full');
      remembered.set(uuid, { state, expiresAt });
    },
    deleteExpired: async () => 0,
  };
  const seen: OpenRegisterEvent[] = [];
  const inner: DeliveryStrategy = { accept: async ({ event: e }) => (seen.push(structuredClone(e)), { httpStatus: 202, status: answer, deliveryId: 'd' }) };
  const strategy = new PreviousStateStrategy(inner, states, 60_000, { now: () => 1000 }, pino({ level: 'silent' }));
  const accept = (e: OpenRegisterEvent) => strategy.accept({ trace: { deliveryId: 'd', startedAt: 0 }, event: e, idempotencyKey: 'k' });
  return { accept, remembered, seen };
}

describe('PreviousStateStrategy', () => {
  it("gives an update the object's last state as previous, with its field changes, and remembers the new state until the TTL", async () => {
    const { accept, remembered, seen } = harness();
    await accept(event('object.created', { city: 'Utrecht' }));
    expect(remembered.get('u1')).toEqual({ state: object({ city: 'Utrecht' }), expiresAt: 61_000 });
    await accept(event('object.updated', { city: 'Amersfoort' }));
    expect(seen[1].previous).toEqual(object({ city: 'Utrecht' }));
    expect(seen[1].changes).toEqual([{ path: '/city', op: 'replace', oldValue: 'Utrecht', newValue: 'Amersfoort' }]);
    expect(remembered.get('u1')?.state).toEqual(object({ city: 'Amersfoort' }));
  });

  it('leaves a previous state the sender sent as it is', async () => {
    const { accept, seen } = harness();
    await accept(event('object.created', { city: 'Utrecht' }));
    const sent = { ...event('object.updated', { city: 'Zeist' }), previous: object({ city: 'Bunnik' }) };
    await accept(sent);
    expect(seen[1].previous).toEqual(object({ city: 'Bunnik' }));
  });

  it('remembers nothing of a duplicate, and keeps the last state through a deletion', async () => {
    const { accept, remembered } = harness('duplicate');
    await accept(event('object.created', { city: 'Utrecht' }));
    expect(remembered.size).toBe(0);
    const other = harness();
    await other.accept(event('object.created', { city: 'Utrecht' }));
    await other.accept(event('object.deleted', {}));
    expect(other.remembered.get('u1')?.state).toEqual(object({ city: 'Utrecht' }));
  });

  it('still answers when the state cannot be remembered', async () => {
    const { accept } = harness('accepted', true);
    await expect(accept(event('object.created', { city: 'Utrecht' }))).resolves.toMatchObject({ status: 'accepted' });
  });
});
