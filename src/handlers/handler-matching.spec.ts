import { describe, expect, it } from '@jest/globals';
import { OpenRegisterEvent } from '../events/openregister-event.js';
import { matchingHandlers, RegisteredHandler } from './handler-matching.js';
import { WebhookEventHandlerOptions } from './on-webhook-event.decorator.js';

const handler = (name: string, options: WebhookEventHandlerOptions): RegisteredHandler => ({ name, instance: { handle: () => undefined }, options });

const event = (overrides: Partial<OpenRegisterEvent> = {}): OpenRegisterEvent => ({
  type: 'object.updated',
  eventClass: 'OCA\\OpenRegister\\Event\\ObjectUpdatedEvent',
  format: 'openregister',
  occurredAt: '2026-03-02T09:15:27.000Z',
  register: '5',
  schema: '12',
  ...overrides,
});

const names = (handlers: RegisteredHandler[], e: OpenRegisterEvent) => matchingHandlers(handlers, e).map(({ name }) => name);

describe('matchingHandlers', () => {
  it('matches an exact type', () => {
    expect(names([handler('h', { events: ['object.updated'] })], event())).toEqual(['h']);
  });

  it('does not match another type', () => {
    expect(names([handler('h', { events: ['object.created'] })], event())).toEqual([]);
  });

  it('matches any of several types', () => {
    expect(names([handler('h', { events: ['object.created', 'object.updated'] })], event())).toEqual(['h']);
  });

  it('matches object.* for every object event', () => {
    const handlers = [handler('h', { events: ['object.*'] })];
    expect(names(handlers, event({ type: 'object.created' }))).toEqual(['h']);
    expect(names(handlers, event({ type: 'object.deleted' }))).toEqual(['h']);
  });

  it('does not match object.* for another entity', () => {
    const handlers = [handler('h', { events: ['object.*'] })];
    expect(names(handlers, event({ type: 'register.created' }))).toEqual([]);
    expect(names(handlers, event({ type: 'objects.created' }))).toEqual([]);
  });

  it('matches * for every event, Nextcloud classes included', () => {
    const handlers = [handler('h', { events: ['*'] })];
    expect(names(handlers, event({ type: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent', register: undefined, schema: undefined }))).toEqual(['h']);
  });

  it('returns every matching handler, in order', () => {
    const handlers = [handler('a', { events: ['*'] }), handler('b', { events: ['object.created'] }), handler('c', { events: ['object.*'] })];
    expect(names(handlers, event())).toEqual(['a', 'c']);
  });

  it('applies a register filter given as a string', () => {
    expect(names([handler('h', { events: ['*'], register: '5' })], event())).toEqual(['h']);
    expect(names([handler('h', { events: ['*'], register: '6' })], event())).toEqual([]);
  });

  it('applies a register filter given as an array', () => {
    expect(names([handler('h', { events: ['*'], register: ['4', '5'] })], event())).toEqual(['h']);
    expect(names([handler('h', { events: ['*'], register: ['4', '6'] })], event())).toEqual([]);
  });

  it('applies a schema filter given as a string', () => {
    expect(names([handler('h', { events: ['*'], schema: '12' })], event())).toEqual(['h']);
    expect(names([handler('h', { events: ['*'], schema: '13' })], event())).toEqual([]);
  });

  it('applies a schema filter given as an array', () => {
    expect(names([handler('h', { events: ['*'], schema: ['12', '13'] })], event())).toEqual(['h']);
    expect(names([handler('h', { events: ['*'], schema: ['13'] })], event())).toEqual([]);
  });

  it('needs both register and schema filters to match', () => {
    expect(names([handler('h', { events: ['*'], register: '5', schema: '13' })], event())).toEqual([]);
  });

  it('does not match a register filter when the event has no register', () => {
    expect(names([handler('h', { events: ['*'], register: '5' })], event({ register: undefined }))).toEqual([]);
  });

  it('does not match a schema filter when the event has no schema', () => {
    expect(names([handler('h', { events: ['*'], schema: '12' })], event({ schema: undefined }))).toEqual([]);
  });

  it('matches an unfiltered handler when the event has no register', () => {
    expect(names([handler('h', { events: ['object.updated'] })], event({ register: undefined, schema: undefined }))).toEqual(['h']);
  });
});
