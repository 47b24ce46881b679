import { Injectable, NestMiddleware } from '@nestjs/common';
import { WebhookError } from '../common/webhook-error.js';
import type { TracedMessage } from './webhook-request.js';

/** `application/json`, any `application/*+json`, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Refuses (415) a body that is not JSON before a byte of it is read. No Content-Type at all is
 * JSON (Nextcloud sends none). The bytes themselves are read by `acceptRawBodies`.
 */
@Injectable()
export class MediaTypeMiddleware implements NestMiddleware {
  use(request: TracedMessage, _response: unknown, next: () => void): void {
    const contentType = request.headers['content-type'];
    // A blank header means none; Fastify would refuse it as an invalid media type.
    if (contentType !== undefined && contentType.trim() === '') delete request.headers['content-type'];
    else if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType)) {
      throw new WebhookError('unsupported_media_type', `Content-Type ${contentType} is not supported; send application/json`);
    }
    next();
  }
}
