import { EnvelopeFormat } from '../../events/openregister-event.js';
import { isJsonObject, JsonObject } from '../../events/safe-object.js';
import { CloudEventEnvelopeDto } from './cloudevent-envelope.dto.js';
import { DocumentedEnvelopeDto } from './documented-envelope.dto.js';
import type { DtoClass } from './dto-instance.js';
import { NextcloudEnvelopeDto } from './nextcloud-envelope.dto.js';
import { NotificationEnvelopeDto } from './notification-envelope.dto.js';
import { OpenRegisterEnvelopeDto } from './openregister-envelope.dto.js';

/**
 * The DTO that validates each envelope format. Validation sees the user objects themselves, not
 * copies: see toDtoInstance.
 */
export const ENVELOPE_DTOS = {
  openregister: OpenRegisterEnvelopeDto,
  cloudevents: CloudEventEnvelopeDto,
  nextcloud: NextcloudEnvelopeDto,
  documented: DocumentedEnvelopeDto,
  notification: NotificationEnvelopeDto,
} as const satisfies Record<EnvelopeFormat, DtoClass>;

/**
 * Tells the envelope format from the body's shape; senders do not say which they use.
 * @returns undefined when the body fits none of them.
 */
export function detectFormat(body: JsonObject): EnvelopeFormat | undefined {
  if ('specversion' in body) return 'cloudevents';
  if (isJsonObject(body.event)) return 'nextcloud';
  // A schema notification names its rule and carries the object, but no event at all.
  if (typeof body.event !== 'string') return 'notification' in body && 'object' in body && body.event === undefined ? 'notification' : undefined;
  // OpenRegister's own service always names the webhook and the attempt; the guide's shape does not.
  if ('webhook' in body || 'attempt' in body) return 'openregister';
  const data = body.data;
  if (isJsonObject(data) && ('newObject' in data || 'oldObject' in data)) return 'documented';
  if (isJsonObject(data) && ('objectType' in data || 'action' in data)) return 'openregister';
  return 'documented';
}
