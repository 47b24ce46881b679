import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracingOn, withSpan } from './spans.js';

/** What the forward span says about its target; never a URL with credentials in it. */
export interface ClientRequest {
  /** The URL as it may be shown (credentials masked). */
  url: string;
  headers: Record<string, string>;
}

/**
 * One outgoing POST as a client span, a child of the active one (the handler's), with the W3C
 * `traceparent` of that span added to the request's headers so the receiver can continue the
 * trace. `send` gets the headers to send and returns the answer's status (and whatever else); a throw marks the span an error.
 */
export function traceClientPost<T extends { status: number }>(request: ClientRequest, send: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  if (!tracingOn()) return send(request.headers);
  const host = hostOf(request.url);
  return withSpan(
    `POST ${host}`,
    async (span) => {
      const headers = { ...request.headers };
      propagation.inject(context.active(), headers);
      const answer = await send(headers);
      span?.setAttribute('http.response.status_code', answer.status);
      if (answer.status < 200 || answer.status > 299) span?.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${answer.status}` });
      return answer;
    },
    { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.full': request.url, 'server.address': host } },
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'unknown';
  }
}
