import { WebhookError } from '../../common/webhook-error.js';
import type { EnvelopeFormat } from '../../events/openregister-event.js';
import { isJsonObject, type JsonObject } from '../../events/safe-object.js';
import { detectFormat } from './envelope-format.js';

/**
 * Most envelopes one delivery may wrap inside each other. OpenRegister's retry job wraps the logged
 * envelope of the previous attempt once per attempt, and its webhooks retry a handful of times.
 */
export const MAX_RETRY_WRAPPINGS = 32;

/** One envelope of a delivery: its format and its body. */
export interface EnvelopeLayer {
  format: EnvelopeFormat;
  body: JsonObject;
}

/**
 * The envelopes of a delivery, outermost first. OpenRegister's retry job re-sends the logged
 * envelope of the previous attempt as the `data` of a new one (`{event, webhook, data: {event,
 * webhook, data: {...}, timestamp, attempt: 1}, timestamp, attempt: 2}`; with CloudEvents the
 * previous CloudEvent, plus `webhook` and `attempt`, is the new one's `data`), so the event is read
 * from the innermost envelope, and the outermost says when this attempt was sent.
 *
 * A `data` block is an envelope when it has the shape of an OpenRegister or CloudEvents envelope
 * (`event` beside `webhook` or `attempt`, or `specversion`); an object's own data block has neither.
 * A loop, not recursion, bounded by MAX_RETRY_WRAPPINGS.
 * @throws WebhookError `invalid` for more wrappings than that.
 */
export function envelopeLayers(outer: EnvelopeLayer): EnvelopeLayer[] {
  const layers = [outer];
  let current = outer;
  while (current.format === 'openregister' || current.format === 'cloudevents') {
    const data = current.body.data;
    if (!isJsonObject(data)) break;
    const format = detectFormat(data);
    if (format !== 'openregister' && format !== 'cloudevents') break;
    if (layers.length > MAX_RETRY_WRAPPINGS) {
      throw new WebhookError('invalid', `Retry envelopes are nested deeper than ${MAX_RETRY_WRAPPINGS}`, [
        `data may wrap at most ${MAX_RETRY_WRAPPINGS} earlier envelopes (OpenRegister's retries)`,
      ]);
    }
    current = { format, body: data };
    layers.push(current);
  }
  return layers;
}
