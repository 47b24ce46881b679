import type { Clock } from '../common/clock.js';
import { withDeadline } from '../common/deadline.js';
import { parseExactJson } from '../events/exact-json.js';
import { isJsonObject, JsonObject } from '../events/safe-object.js';

/** Why a call to OpenRegister failed, as catch-up reacts to it. */
export type OpenRegisterFailure = 'unauthorized' | 'forbidden' | 'not-found' | 'throttled' | 'unavailable' | 'timeout' | 'unreachable' | 'invalid';

/** A failed call to OpenRegister: what kind of failure, and for how long the server asks us to wait. */
export class OpenRegisterError extends Error {
  constructor(
    readonly failure: OpenRegisterFailure,
    message: string,
    readonly status?: number,
    /** Retry-After of a 429 or 503, in ms. */
    readonly retryAfterInMs?: number,
    /** The start of the answer's body (its first 2000 characters), for callers that read OpenRegister's reason from it. */
    readonly body?: string,
  ) {
    super(message);
    this.name = 'OpenRegisterError';
  }
}

export interface OpenRegisterClientOptions {
  /** `{nextcloud}/index.php/apps/openregister/api`, no trailing slash. */
  apiUrl: string;
  username: string;
  password: string;
  timeoutInMs: number;
  clock: Clock;
  /** Aborts every call under way (at shutdown, so that it need not wait for a slow OpenRegister). */
  signal?: AbortSignal;
}

/**
 * Reads OpenRegister's API as a Nextcloud user with an app password (Basic auth; these routes
 * need no CSRF header). Bodies are parsed exactly (integers past 2^53 stay `bigint`), as webhook
 * bodies are. OpenRegister compresses larger list bodies itself; fetch asks for gzip and inflates it.
 */
export class OpenRegisterClient {
  private readonly authorization: string;

  constructor(private readonly options: OpenRegisterClientOptions) {
    this.authorization = 'Basic ' + Buffer.from(`${options.username}:${options.password}`).toString('base64');
  }

  /** GETs `path` (below the API base, with its query) and returns the JSON object it answers. */
  async get(path: string): Promise<JsonObject> {
    return this.request('GET', path);
  }

  async post(path: string, body?: unknown): Promise<JsonObject> {
    return this.request('POST', path, body);
  }

  private async request(method: string, path: string, body?: unknown): Promise<JsonObject> {
    const url = this.options.apiUrl + path;
    let response: Response;
    let text: string;
    try {
      // The body is read within the same deadline as the answer: a server may stall mid-body.
      [response, text] = await withDeadline(this.options.timeoutInMs, this.options.signal, async (signal) => {
        const answer = await fetch(url, {
          method,
          headers: {
            authorization: this.authorization,
            accept: 'application/json',
            'accept-encoding': 'gzip',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
          redirect: 'manual',
        });
        return [answer, await answer.text()] as const;
      });
    } catch (error) {
      throw transportError(error, method, path, this.options.timeoutInMs);
    }
    if (!response.ok) throw statusError(response, method, path, text, this.options.clock.now());
    try {
      const parsed = parseExactJson(text);
      if (isJsonObject(parsed)) return parsed;
    } catch {
      // reported below
    }
    throw new OpenRegisterError('invalid', `${method} ${path} answered ${response.status} with a body that is not a JSON object`, response.status);
  }
}

function transportError(error: unknown, method: string, path: string, timeoutInMs: number): OpenRegisterError {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new OpenRegisterError('timeout', `${method} ${path} got no answer within ${timeoutInMs} ms`);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return new OpenRegisterError('unreachable', `${method} ${path} failed: ${cause?.code ?? cause?.message ?? (error as Error)?.message}`);
}

const FAILURE_BY_STATUS: Record<number, OpenRegisterFailure> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 429: 'throttled' };

function statusError(response: Response, method: string, path: string, body: string, now: number): OpenRegisterError {
  const failure = FAILURE_BY_STATUS[response.status] ?? (response.status >= 500 || response.status === 408 ? 'unavailable' : 'invalid');
  const redirect = response.status >= 300 && response.status < 400 ? ` to ${response.headers.get('location') ?? '?'} (is OPENREGISTER_URL the Nextcloud base URL?)` : '';
  const detail = body.length > 0 && body.length <= 200 ? `: ${body}` : '';
  return new OpenRegisterError(failure, `${method} ${path} answered ${response.status}${redirect}${detail}`, response.status, retryAfterInMs(response.headers.get('retry-after'), now), body.slice(0, 2000));
}

/** Retry-After as seconds or an HTTP date. */
function retryAfterInMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
