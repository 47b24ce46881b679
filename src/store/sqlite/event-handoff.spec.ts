import { describe, expect, it } from '@jest/globals';
import type { OpenRegisterEvent } from '../../events/openregister-event.js';
import { EventHandoff } from './event-handoff.js';

const event = (type: string): OpenRegisterEvent => ({ type, eventClass: 'X', format: 'openregister', occurredAt: '2026-01-01T00:00:00Z' });

describe('EventHandoff', () => {
  it('hands an event over once', () => {
    const handoff = new EventHandoff();
    const created = event('object.created');
    handoff.offer('d1', created, 100);
    expect(handoff.take('d1')).toBe(created);
    expect(handoff.take('d1')).toBeUndefined();
    expect(handoff.take('unknown')).toBeUndefined();
  });

  it('takes no more once full, by entries or by size, and has room again after a take', () => {
    const handoff = new EventHandoff(2, 1000);
    handoff.offer('a', event('a'), 10);
    handoff.offer('b', event('b'), 10);
    handoff.offer('c', event('c'), 10);
    expect(handoff.take('c')).toBeUndefined();
    handoff.take('a');
    handoff.offer('big', event('big'), 991);
    expect(handoff.size).toBe(1);
    handoff.offer('fits', event('fits'), 990);
    expect(handoff.take('fits')?.type).toBe('fits');
  });
});
