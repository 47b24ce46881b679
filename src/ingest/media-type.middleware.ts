import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Response } from 'express';
import { WebhookError } from '../common/webhook-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { WebhookRequest } from './webhook-request.js';

/** `application/json`, any `application/*+json`, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads the body as raw bytes, because signatures are over the exact bytes on the wire.
 * No Content-Type at all is JSON (Nextcloud sends none); any other media type is 415; a body
 * over WEBHOOK_BODY_LIMIT is 413.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  private readonly readRaw: express.RequestHandler;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.readRaw = express.raw({ type: () => true, limit: config.webhook.bodyLimit });
  }

  async use(request: WebhookRequest, response: Response, next: NextFunction): Promise<void> {
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && contentType.trim() !== '' && !JSON_MEDIA_TYPE.test(contentType)) {
      throw new WebhookError('unsupported_media_type', `Content-Type ${contentType} is not supported; send application/json`);
    }
    await new Promise<void>((resolve, reject) => {
      this.readRaw(request, response, (error?: unknown) => (error ? reject(toWebhookError(error)) : resolve()));
    });
    request.rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    next();
  }
}

function toWebhookError(error: unknown): WebhookError {
  const { type, message } = error as { type?: string; message?: string };
  if (type === 'entity.too.large') return new WebhookError('too_large', 'Body is larger than WEBHOOK_BODY_LIMIT allows');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new WebhookError('unsupported_media_type', message ?? 'Unsupported content encoding');
  }
  return new WebhookError('malformed', 'Body could not be read', [message ?? String(error)]);
}
