import { CommandError, httpUrl, type Options, type Parsed } from './args.js';
import type { CliIo } from './io.js';

export const ADMIN_OPTIONS: Options = {
  'service-url': { type: 'string' },
  'admin-token': { type: 'string' },
};

export const ADMIN_USAGE = `The service (flags win over the environment):
  --service-url <url>     the service's base URL (default: http://localhost:3000)   [SERVICE_URL]
  --admin-token <token>   its ADMIN_TOKEN (prefer the variable: ps shows flags)     [ADMIN_TOKEN]`;

/**
 * The service's admin API (docs/admin-api.md) over fetch: a Bearer token, JSON answers, and each
 * refusal turned into the line an operator can act on. The token never appears in a message.
 */
export class AdminClient {
  private constructor(
    readonly serviceUrl: string,
    private readonly token: string,
  ) {}

  static from(values: Parsed['values'], io: CliIo, usage: string): AdminClient {
    const serviceUrl = httpUrl((values['service-url'] as string | undefined) ?? (io.env.SERVICE_URL || 'http://localhost:3000'), '--service-url', usage);
    const token = (values['admin-token'] as string | undefined) ?? io.env.ADMIN_TOKEN;
    if (!token) throw new CommandError('no admin token: set ADMIN_TOKEN (or --admin-token) to the service\'s ADMIN_TOKEN');
    return new AdminClient(serviceUrl, token);
  }

  /**
   * @returns the JSON body of a 2xx answer
   * @throws CommandError for every other answer, with the service's own `message` when it gave one
   */
  async request(method: 'GET' | 'POST', path: string): Promise<Record<string, unknown>> {
    const url = `${this.serviceUrl}/admin/deliveries${path}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CommandError(`cannot reach the service at ${this.serviceUrl}: ${cause}`);
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // an HTML error page of a proxy: the status says enough
    }
    if (response.ok) return body;
    if (response.status === 401) throw new CommandError(`the service refused the admin token (401): ADMIN_TOKEN (or --admin-token) must be the service's ADMIN_TOKEN`);
    const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : undefined;
    // The admin routes answer 404 only for an unknown delivery (`No delivery <id>`); any other 404
    // (Express's `Cannot GET …`, Fastify's `Route GET:… not found`, a proxy's page) means no admin API.
    if (response.status === 404 && !message?.startsWith('No delivery')) {
      throw new CommandError(`no admin API at ${this.serviceUrl}/admin (404): the service serves it only with ADMIN_TOKEN set and DELIVERY_MODE=queued`);
    }
    throw new CommandError(`${method} /admin/deliveries${path} answered ${response.status}${message ? `: ${message}` : ''}`);
  }
}
