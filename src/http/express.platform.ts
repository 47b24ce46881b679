import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import getRawBody from 'raw-body';
import type { AppConfig } from '../config/app-config.js';
import { drainRefusedBody } from './drain-refused-body.js';
import type { HttpPlatform } from './http-platform.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * Fastify's keep-alive timeout (its default), so a proxy's pooled connection (nginx keeps them
 * 60 s) is not closed under it as Node's 5 s default would: the same on both platforms.
 */
const KEEP_ALIVE_TIMEOUT_IN_MS = 72_000;

/** Nest's Express adapter with the server settings Fastify would have. */
class ServiceExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    this.getHttpServer().keepAliveTimeout = KEEP_ALIVE_TIMEOUT_IN_MS;
  }
}

/**
 * Nest on Express, the default: what Nest users' middleware (helmet, passport, their own) and
 * extension modules expect. Answers as the Fastify platform does: case-sensitive routes that
 * ignore a trailing slash, no `X-Powered-By` or `ETag`, the same TRUST_PROXY values
 * (both are proxy-addr). No global middleware of ours: the webhook route reads its own body,
 * and other routes get no body parser (add one to your own routes if they need it).
 */
export function expressPlatform(config: AppConfig): HttpPlatform {
  const app = express();
  // Before anything is routed: Express 5 builds its router with these on first use.
  app.set('case sensitive routing', true);
  app.set('strict routing', false);
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.set('etag', false);
  const adapter = new ServiceExpressAdapter(app);
  const limit = config.webhook.bodyLimitInBytes;
  return {
    adapter,
    addIntake(route, intake) {
      // A route of its own, registered before Nest's (routes match in order), that hands over
      // to Nest's with `next()`: only this route's requests pay for it, unlike `app.use()`.
      app.post(route.url, (request: Request, response: Response, next: NextFunction) => {
        try {
          intake(request as unknown as WebhookRequest);
        } catch (error) {
          next(error);
          return;
        }
        readRawBody(request, response, limit, next);
      });
    },
  };
}

/**
 * Reads the body as raw bytes whatever its Content-Type (Nextcloud sends none, OpenRegister may
 * send `application/*+json`): express.json() and Nest's `rawBody` option would skip both. No
 * decoding of a Content-Encoding either, as on Fastify. raw-body refuses a body over the limit
 * with a 413 http-error, before reading when the declared length is over it (then, as Fastify
 * does, the connection closes: the client sends the body anyway), and otherwise as soon as the
 * bytes read pass it; Nest maps http-errors to HTTP errors, the filter words them. The rest of a
 * refused body is drained (see {@link drainRefusedBody}).
 */
function readRawBody(request: Request, response: Response, limit: number, next: NextFunction): void {
  const declared = request.headers['content-length'];
  // No body at all (no length, not chunked): nothing to read, as Fastify leaves `body` unset.
  if (declared === undefined && request.headers['transfer-encoding'] === undefined) {
    next();
    return;
  }
  if (declared !== undefined && Number(declared) > limit) response.setHeader('Connection', 'close');
  getRawBody(request, { length: declared, limit }).then(
    (body) => {
      (request as unknown as WebhookRequest).body = body;
      next();
    },
    (error: unknown) => {
      if ((error as { status?: number }).status === 413) drainRefusedBody(request);
      next(error);
    },
  );
}
