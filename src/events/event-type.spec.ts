import { describe, expect, it } from '@jest/globals';
import { eventTypeOf, isOpenRegisterClass } from './event-type.js';

describe('eventTypeOf', () => {
  it.each([
    ['OCA\\OpenRegister\\Event\\ObjectCreatedEvent', 'object.created'],
    ['OCA\\OpenRegister\\Event\\ObjectUpdatedEvent', 'object.updated'],
    ['OCA\\OpenRegister\\Event\\ObjectDeletedEvent', 'object.deleted'],
    ['OCA\\OpenRegister\\Event\\ObjectLockedEvent', 'object.locked'],
    ['OCA\\OpenRegister\\Event\\ObjectUnlockedEvent', 'object.unlocked'],
    ['OCA\\OpenRegister\\Event\\ObjectRevertedEvent', 'object.reverted'],
    ['OCA\\OpenRegister\\Event\\ObjectPublishedEvent', 'object.published'],
    ['OCA\\OpenRegister\\Event\\ObjectDepublishedEvent', 'object.depublished'],
    ['OCA\\OpenRegister\\Event\\RegisterCreatedEvent', 'register.created'],
    ['OCA\\OpenRegister\\Event\\SchemaDeletedEvent', 'schema.deleted'],
  ])('maps %s to %s', (eventClass, type) => {
    expect(eventTypeOf(eventClass)).toBe(type);
  });

  it('kebab-cases an entity of several words', () => {
    expect(eventTypeOf('OCA\\OpenRegister\\Event\\AuditTrailCreatedEvent')).toBe('audit-trail.created');
  });

  it('maps the test button event to test', () => {
    expect(eventTypeOf('OCA\\OpenRegister\\Event\\TestEvent')).toBe('test');
  });

  it('maps a bare TestEvent to test', () => {
    expect(eventTypeOf('TestEvent')).toBe('test');
  });

  it('keeps a Nextcloud event class as the type', () => {
    expect(eventTypeOf('OCP\\Files\\Events\\Node\\NodeCreatedEvent')).toBe('OCP\\Files\\Events\\Node\\NodeCreatedEvent');
  });

  it('keeps an OpenRegister class without a lifecycle action as the type', () => {
    expect(eventTypeOf('OCA\\OpenRegister\\Event\\ObjectSomethingEvent')).toBe('OCA\\OpenRegister\\Event\\ObjectSomethingEvent');
  });
});

describe('isOpenRegisterClass', () => {
  it('is true for OpenRegister classes', () => {
    expect(isOpenRegisterClass('OCA\\OpenRegister\\Event\\ObjectCreatedEvent')).toBe(true);
  });

  it('is false for Nextcloud classes', () => {
    expect(isOpenRegisterClass('OCP\\Files\\Events\\Node\\NodeCreatedEvent')).toBe(false);
  });
});

describe('eventTypeOf, remembering classes', () => {
  it('gives the same type when asked again', () => {
    const eventClass = 'OCA\\OpenRegister\\Event\\SchemaUpdatedEvent';
    expect(eventTypeOf(eventClass)).toBe('schema.updated');
    expect(eventTypeOf(eventClass)).toBe('schema.updated');
  });

  it('still maps every class once more classes were seen than it remembers', () => {
    for (let i = 0; i < 300; i++) expect(eventTypeOf(`Vendor\\Event${i}`)).toBe(`Vendor\\Event${i}`);
    expect(eventTypeOf('OCA\\OpenRegister\\Event\\AuditTrailCreatedEvent')).toBe('audit-trail.created');
  });
});
