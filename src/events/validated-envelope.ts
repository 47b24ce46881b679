import type { EnvelopeFormat } from './openregister-event.js';
import type { JsonObject } from './safe-object.js';

/**
 * An envelope whose format is known and whose body passed its DTO: what `normaliseEvent` reads.
 * Ingest's `ParsedDelivery` is one (with more about how it was sent); the type lives here so
 * `events` need not import from `ingest`.
 */
export interface ValidatedEnvelope {
  format: EnvelopeFormat;
  /** The parsed body itself, never a re-built copy: user fields stay exactly as sent. */
  body: JsonObject;
  /**
   * A schema notification's `X-OpenRegister-Trigger` header, when the rule's `webhook.headers`
   * add it: the body alone cannot tell a creation from an update (see normaliseEvent).
   */
  notificationTrigger?: string;
}
