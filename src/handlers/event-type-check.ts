import { eventTypeOf } from '../events/event-type.js';
import { OBJECT_EVENT_TYPES, TEST_EVENT_TYPE } from '../events/openregister-event.js';
import { ANY_EVENT } from './on-webhook-event.decorator.js';

/** The actions of OpenRegister's entity events (`src/events/event-type.ts` maps `<Entity><Action>Event`). */
const ACTIONS = ['created', 'updated', 'deleted', 'locked', 'unlocked', 'reverted', 'published', 'depublished'];
/** OpenRegister's entities with events; others map the same way, so an unknown entity is taken unless it is a near miss of these. */
const ENTITIES = ['object', 'register', 'schema', 'source', 'configuration', 'audit-trail', 'organisation', 'application', 'agent', 'view'];
const ENTITY_EVENT = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.([a-z*]+)$/;
/** A PHP class name with a namespace, as Nextcloud sends its own events (`OCP\Files\Events\Node\NodeCreatedEvent`). */
const PHP_CLASS = /^[A-Za-z_][A-Za-z0-9_]*(\\[A-Za-z_][A-Za-z0-9_]*)+$/;
const FORMS = "an object event (object.created, object.updated, object.deleted, ...), object.* or '*', <entity>.<action> for other OpenRegister entities (register.created), or a Nextcloud event class (OCP\\Files\\Events\\Node\\NodeCreatedEvent)";

/**
 * Why a handler subscribing to `pattern` would never run, or undefined when it can: the type names
 * events the service delivers. A misspelt type (`object.create`) used to be taken silently and
 * the handler never ran, so the start fails instead, with the names closest to what was written.
 */
export function eventTypeProblem(pattern: string): string | undefined {
  if (pattern === ANY_EVENT) return undefined;
  if (pattern === TEST_EVENT_TYPE) return `"${pattern}" is OpenRegister's test button, which is answered and handled by nobody`;
  if (pattern.includes('\\')) {
    if (!PHP_CLASS.test(pattern)) return `"${pattern}" is not an event class name; expected ${FORMS}`;
    const type = eventTypeOf(pattern);
    // OpenRegister's classes arrive as their lifecycle type: the class itself would never match.
    return type === pattern ? undefined : `"${pattern}" arrives as "${type}"; subscribe to "${type}"`;
  }
  const match = ENTITY_EVENT.exec(pattern);
  const [entity, action] = match ? [match[1], match[2]] : [undefined, undefined];
  const knownEntity = entity !== undefined && (ENTITIES.includes(entity) || !ENTITIES.some((known) => distance(known, entity) <= 2));
  if (knownEntity && (action === '*' || ACTIONS.includes(action!))) return undefined;
  const closest = closestNames(pattern, entity);
  return `"${pattern}" is not an event type the service delivers${closest.length ? `; did you mean ${closest.map((name) => `"${name}"`).join(' or ')}?` : ''} Expected ${FORMS}`;
}

/** Up to three valid names nearest to `pattern` (edit distance), the nearest first. */
export function closestNames(pattern: string, entity?: string): string[] {
  const entities = new Set(['object', ...(entity ? ENTITIES.filter((known) => distance(known, entity) <= 2) : [])]);
  const candidates = [...OBJECT_EVENT_TYPES, ANY_EVENT, ...[...entities].flatMap((name) => [`${name}.*`, ...ACTIONS.map((action) => `${name}.${action}`)])];
  const scored = [...new Set(candidates)].map((name) => ({ name, score: distance(pattern.toLowerCase(), name) }));
  const limit = Math.max(2, Math.floor(pattern.length / 3));
  return scored
    .filter(({ score }) => score <= limit)
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map(({ name }) => name);
}

/** Levenshtein distance: names are short, so the quadratic table is cheap (and runs only at boot). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
