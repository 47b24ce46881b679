import { ObjectDeletion, OpenRegisterObject } from './openregister-event.js';
import { text } from './openregister-object.js';
import { isJsonObject } from './safe-object.js';

/**
 * OpenRegister's deletion metadata of an object, when it is in the trash. Deleting through the API
 * is a soft delete: the object stays, with `@self.deleted = {deletedBy, deletedAt, objectId,
 * organisation}`, and OpenRegister announces it as an update. An object that is not deleted
 * carries `deleted: null`, or PHP's empty map `[]`, or nothing.
 */
export function deletionOf(object: OpenRegisterObject | undefined): ObjectDeletion | undefined {
  const deleted = object?.meta.deleted;
  if (!isJsonObject(deleted) || Object.keys(deleted).length === 0) return undefined;
  const deletion: ObjectDeletion = {};
  const fields = ['deletedBy', 'deletedAt', 'objectId', 'organisation'] as const;
  for (const field of fields) {
    const value = text(deleted[field]);
    if (value !== undefined) deletion[field] = value;
  }
  return deletion;
}

/**
 * The lifecycle type an object event really is: an update whose object is in the trash is the
 * object's deletion, whichever way it arrived (webhook or catch-up).
 */
export function lifecycleType(type: string, object: OpenRegisterObject | undefined): { type: string; deletion?: ObjectDeletion } {
  if (type !== 'object.updated') return { type };
  const deletion = deletionOf(object);
  return deletion ? { type: 'object.deleted', deletion } : { type };
}
