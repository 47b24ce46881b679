import { EnvelopeFormat } from '../../events/openregister-event.js';
import { copyFields, isJsonObject, JsonObject } from '../../events/safe-object.js';
import { CloudEventEnvelopeDto } from './cloudevent-envelope.dto.js';
import { DocumentedEnvelopeDto } from './documented-envelope.dto.js';
import { NextcloudEnvelopeDto } from './nextcloud-envelope.dto.js';
import { OpenRegisterEnvelopeDto } from './openregister-envelope.dto.js';

/** The DTO that validates each envelope format. */
export const ENVELOPE_DTOS = {
  openregister: OpenRegisterEnvelopeDto,
  cloudevents: CloudEventEnvelopeDto,
  nextcloud: NextcloudEnvelopeDto,
  documented: DocumentedEnvelopeDto,
} as const satisfies Record<EnvelopeFormat, new () => object>;

/**
 * Tells the envelope format from the body's shape; senders do not say which they use.
 * @returns undefined when the body fits none of them.
 */
export function detectFormat(body: JsonObject): EnvelopeFormat | undefined {
  if ('specversion' in body) return 'cloudevents';
  if (isJsonObject(body.event)) return 'nextcloud';
  if (typeof body.event !== 'string') return undefined;
  // OpenRegister's own service always names the webhook and the attempt; the guide's shape does not.
  if ('webhook' in body || 'attempt' in body) return 'openregister';
  const data = body.data;
  if (isJsonObject(data) && ('newObject' in data || 'oldObject' in data)) return 'documented';
  if (isJsonObject(data) && ('objectType' in data || 'action' in data)) return 'openregister';
  return 'documented';
}

/** Where each envelope carries user objects: a container key and the object keys inside it. */
const USER_OBJECTS: Record<EnvelopeFormat, [string, string[]]> = {
  openregister: ['data', ['object']],
  cloudevents: ['data', ['object']],
  nextcloud: ['event', ['newObject', 'oldObject', 'object']],
  documented: ['data', ['newObject', 'oldObject', 'object']],
};

/**
 * A shallow copy of the body for shape validation, with every user object replaced by `{}`:
 * validation only needs to know that it is an object, and class-transformer must never walk
 * user fields (a field called `constructor` or `__proto__` would trip it up).
 */
export function withoutUserObjects(format: EnvelopeFormat, body: JsonObject): JsonObject {
  const [containerKey, objectKeys] = USER_OBJECTS[format];
  const container = body[containerKey];
  if (!isJsonObject(container)) return body;
  const maskedContainer = copyFields(container);
  for (const key of objectKeys) if (isJsonObject(maskedContainer[key])) maskedContainer[key] = {};
  const masked = copyFields(body);
  masked[containerKey] = maskedContainer;
  return masked;
}
