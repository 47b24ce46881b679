import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { stringifyExactJson } from '../events/exact-json.js';

/**
 * Writes a route's answer as JSON in which integers past 2^53 (a `bigint` in the stored event, see
 * events/exact-json.ts) keep their exact digits; the platform's own `JSON.stringify` would throw
 * on them. The answer leaves as a ready string with its JSON content type, on Express and Fastify
 * alike (both responses have `header(name, value)`).
 */
@Injectable()
export class ExactJsonInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((value: unknown) => {
        if (value === undefined) return value;
        context.switchToHttp().getResponse<{ header(name: string, value: string): unknown }>().header('content-type', 'application/json; charset=utf-8');
        return stringifyExactJson(value);
      }),
    );
  }
}
