import { WebhookError } from '../common/webhook-error.js';
import type { IntakeCheck } from '../http/webhook-request.js';

/** `application/json`, any `application/*+json`, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Refuses (415) a body that is not JSON before a byte of it is read. No Content-Type at all is
 * JSON (Nextcloud sends none), and so is a blank one. The bytes themselves are read by the
 * platform's raw-body reader (`src/http/`), whatever the Content-Type.
 */
export const mediaTypeCheck: IntakeCheck = (request) => {
  const contentType = request.headers['content-type'];
  if (contentType === undefined || contentType.trim() === '') return;
  if (!JSON_MEDIA_TYPE.test(contentType)) {
    throw new WebhookError('unsupported_media_type', `Content-Type ${contentType} is not supported; send application/json`);
  }
};
