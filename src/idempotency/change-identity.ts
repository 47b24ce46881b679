import { hash } from 'node:crypto';
import type { OpenRegisterEvent } from '../events/openregister-event.js';
import { text } from '../events/openregister-object.js';
import { canonicalJson } from './canonical-json.js';

/**
 * The identity of one change to an OpenRegister object, the same whichever way the change
 * arrived: a webhook, OpenRegister's change feed or its audit trail (see docs/adr/0005). The feed
 * and the audit trail carry no object body, and the object catch-up fetches may already be newer
 * than the change, so the identity is built from what every way agrees on:
 * - `object.created`: the object's uuid (an object is created once);
 * - `object.deleted`: the uuid alone: a soft delete and the purge that follows it are one
 *   deletion. (OpenRegister restores an object from the trash without any event, so a deletion
 *   after a restore cannot be told from the first; see docs/catch-up.md.)
 * - `object.updated`: the uuid and a hash of the state the update produced (`@self.updated`,
 *   `@self.version` and the fields), so two catch-up entries that fetched the same state are one
 *   change, and two updates in the same second are two even if a version was not bumped.
 * Undefined for other events: the caller hashes their content.
 */
export function changeIdentity(event: OpenRegisterEvent): string | undefined {
  const object = event.object ?? event.previous;
  if (!object?.uuid) return undefined;
  switch (event.type) {
    case 'object.created':
      return `object.created/${object.uuid}`;
    case 'object.deleted':
      return `object.deleted/${object.uuid}`;
    case 'object.updated': {
      const state = [text(object.meta.updated) ?? null, text(object.meta.version) ?? null, object.data];
      return `object.updated/${object.uuid}/${hash('sha256', canonicalJson(state), 'hex')}`;
    }
    default:
      return undefined;
  }
}
