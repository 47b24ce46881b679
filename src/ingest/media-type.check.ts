import { WebhookError } from '../common/webhook-error.js';
import type { IntakeCheck } from './intake.hook.js';

/** `application/json`, any `application/*+json`, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Refuses (415) a body that is not JSON before a byte of it is read. No Content-Type at all is
 * JSON (Nextcloud sends none). The bytes themselves are read by `acceptRawBodies`.
 */
export const mediaTypeCheck: IntakeCheck = (request) => {
  const contentType = request.headers['content-type'];
  if (contentType === undefined) return;
  // A blank header means none; Fastify would refuse it as an invalid media type.
  if (contentType.trim() === '') delete request.raw.headers['content-type'];
  else if (!JSON_MEDIA_TYPE.test(contentType)) {
    throw new WebhookError('unsupported_media_type', `Content-Type ${contentType} is not supported; send application/json`);
  }
};
