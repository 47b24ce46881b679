import { describe, expect, it } from '@jest/globals';
import { eventTypeProblem } from './event-type-check.js';

describe('event types a handler may subscribe to', () => {
  it.each([
    '*',
    'object.created',
    'object.reverted',
    'object.*',
    'register.created',
    'audit-trail.created',
    'schema.*',
    // An entity OpenRegister may add later maps the same way: not refused.
    'widget.published',
    'OCP\\Files\\Events\\Node\\NodeCreatedEvent',
    'OCA\\Forms\\Events\\FormSubmittedEvent',
  ])('takes %j', (pattern) => {
    expect(eventTypeProblem(pattern)).toBeUndefined();
  });

  it.each([
    ['object.create', '"object.created"'],
    ['object.updatd', '"object.updated"'],
    ['objects.created', '"object.created"'],
    ['Object.Created', '"object.created"'],
    ['object', '"object.*"'],
    ['regster.created', '"register.created"'],
  ])('refuses %j, naming %s as the closest', (pattern, closest) => {
    const problem = eventTypeProblem(pattern);
    expect(problem).toContain(`"${pattern}" is not an event type the service delivers; did you mean ${closest}`);
    expect(problem).toContain('Expected an object event');
  });

  it('refuses OpenRegister\'s event class, naming the type it arrives as', () => {
    expect(eventTypeProblem('OCA\\OpenRegister\\Event\\ObjectCreatedEvent')).toBe(
      '"OCA\\OpenRegister\\Event\\ObjectCreatedEvent" arrives as "object.created"; subscribe to "object.created"',
    );
  });

  it('refuses the test event, which nobody handles', () => {
    expect(eventTypeProblem('test')).toMatch(/test button, which is answered and handled by nobody/);
  });

  it.each(['object created!', 'OCP\\Files\\', ''])('refuses the malformed %j', (pattern) => {
    expect(eventTypeProblem(pattern)).toMatch(/^".*" is not an (event type|event class name)/);
  });
});
