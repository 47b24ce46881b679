import { TEST_EVENT_TYPE } from './openregister-event.js';

const OPENREGISTER_EVENT = /^OCA\\OpenRegister\\Event\\([A-Za-z]+?)(Created|Updated|Deleted|Locked|Unlocked|Reverted|Published|Depublished)Event$/;
const OPENREGISTER_TEST_EVENT = 'OCA\\OpenRegister\\Event\\TestEvent';

/** Senders use a handful of classes: remembering their types spares two regexes per delivery. */
const typeByClass = new Map<string, string>();
/** Bounds the memory a sender inventing class names can take. */
const MAX_REMEMBERED_CLASSES = 256;

/**
 * Maps a sender's event class to the lifecycle type handlers subscribe to:
 * `OCA\OpenRegister\Event\ObjectUpdatedEvent` → `object.updated`,
 * `OCA\OpenRegister\Event\AuditTrailCreatedEvent` → `audit-trail.created`.
 * Classes that are not OpenRegister entity events (Nextcloud's own) keep their class as the type.
 */
export function eventTypeOf(eventClass: string): string {
  let type = typeByClass.get(eventClass);
  if (type === undefined) {
    type = typeOf(eventClass);
    if (typeByClass.size < MAX_REMEMBERED_CLASSES) typeByClass.set(eventClass, type);
  }
  return type;
}

function typeOf(eventClass: string): string {
  if (eventClass === OPENREGISTER_TEST_EVENT || eventClass === 'TestEvent') return TEST_EVENT_TYPE;
  const match = OPENREGISTER_EVENT.exec(eventClass);
  if (!match) return eventClass;
  const entity = match[1].replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `${entity}.${match[2].toLowerCase()}`;
}

/** True for OpenRegister entity-event classes, whether or not an object is attached. */
export function isOpenRegisterClass(eventClass: string): boolean {
  return eventClass.startsWith('OCA\\OpenRegister\\');
}
