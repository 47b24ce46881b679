import { describe, expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import type { EventDispatcher } from '../handlers/event-dispatcher.js';
import type { ShutdownState } from '../health/shutdown.state.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency.store.js';
import type { IncomingDelivery } from './incoming-delivery.js';
import { InlineDeliveryStrategy } from './inline-delivery.strategy.js';

const event: OpenRegisterEvent = { type: 'object.updated', eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent', format: 'openregister', occurredAt: '2026-03-02T09:15:27.000Z' };
const delivery = (deliveryId: string): IncomingDelivery => ({ trace: { deliveryId } as IncomingDelivery['trace'], event, idempotencyKey: 'change:same' });

/** The dedupe step of inline mode, with the real in-memory key store and a dispatcher held open. */
describe('InlineDeliveryStrategy: dedupe', () => {
  function strategyWithHeldDispatch() {
    const runs: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = {
      wants: () => true,
      dispatch: async (_event: OpenRegisterEvent, { deliveryId }: { deliveryId: string }) => {
        runs.push(deliveryId);
        await held;
        return { failures: [] };
      },
    } as unknown as EventDispatcher;
    const keys = new MemoryIdempotencyStore({ maxEntries: 100, ttlInSeconds: 60 });
    const strategy = new InlineDeliveryStrategy(dispatcher, keys, { draining: false } as ShutdownState);
    return { strategy, runs, release };
  }

  it('answers a copy that arrives while the first one runs as its duplicate, and dispatches once', async () => {
    const { strategy, runs, release } = strategyWithHeldDispatch();
    const first = strategy.accept(delivery('first'));
    const second = await strategy.accept(delivery('second'));
    release();
    expect(second).toEqual({ httpStatus: 200, status: 'duplicate', deliveryId: 'second', originalDeliveryId: 'first' });
    expect(await first).toEqual({ httpStatus: 200, status: 'processed', deliveryId: 'first' });
    expect(runs).toEqual(['first']);
  });

  it('answers a copy after the first one finished as its duplicate too', async () => {
    const { strategy, runs, release } = strategyWithHeldDispatch();
    release();
    await strategy.accept(delivery('first'));
    expect(await strategy.accept(delivery('later'))).toMatchObject({ status: 'duplicate', originalDeliveryId: 'first' });
    expect(runs).toEqual(['first']);
  });
});
