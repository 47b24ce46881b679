import { type CallHandler, type ExecutionContext, HttpException, Injectable, type NestInterceptor, ServiceUnavailableException } from '@nestjs/common';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { StoreMonitor } from '../store/store-monitor.js';

/** The answer of the admin API while the delivery store cannot be reached. */
export const STORE_UNAVAILABLE_BODY = {
  statusCode: 503,
  error: 'unavailable',
  message: 'The delivery store cannot be reached; try again once it is back (see /health/ready)',
} as const;

/**
 * While the store is known to be unreachable, and when an admin call failed in the store while
 * it cannot be reached, the answer is a 503 with a body that says so, not an anonymous 500 (the
 * outage itself is in the log once, from the monitor). Any other failure stays what it was.
 */
@Injectable()
export class StoreUnavailableInterceptor implements NestInterceptor {
  constructor(private readonly monitor: StoreMonitor) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Known to be down (checked every few seconds): answer at once instead of waiting out a timeout.
    if (!this.monitor.up) return throwError(() => this.unavailable());
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof HttpException) return throwError(() => error);
        return from(this.monitor.check()).pipe(
          mergeMap((up) => throwError(() => (up ? error : this.unavailable()))),
        );
      }),
    );
  }

  private unavailable(): ServiceUnavailableException {
    return new ServiceUnavailableException({ ...STORE_UNAVAILABLE_BODY, reason: this.monitor.reason });
  }
}
