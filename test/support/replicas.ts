import { FIXTURE_SECRET } from './fixtures.js';
import { ServiceProcess } from './service-process.js';
import { signedHeaders } from './signed-deliveries.js';

/** Shared by the specs that run several built service processes on one PostgreSQL database. */

export const ADMIN_TOKEN = 'replicas-admin-token';
/** Short, so that a dead replica's deliveries come due again within the tests' patience. */
export const LEASE_SECONDS = 2;

/** One built service process, named, on the shared database. */
export interface Replica {
  name: string;
  service: ServiceProcess;
}

/**
 * Starts the built service (`npm run build`) on STORE_DRIVER=postgres, in queued mode, forwarding
 * every event to `<forwardUrl>/<name>` so that the target knows which replica ran a handler.
 */
export async function startReplica(name: string, databaseUrl: string, forwardUrl: string, env: Record<string, string> = {}): Promise<Replica> {
  const service = await ServiceProcess.start({
    WEBHOOK_SECRETS: FIXTURE_SECRET,
    // The fixtures were signed in March 2026: these runs are about delivery, not replay windows.
    WEBHOOK_TOLERANCE_SECONDS: '0',
    DELIVERY_MODE: 'queued',
    STORE_DRIVER: 'postgres',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    DELIVERY_LEASE_SECONDS: String(LEASE_SECONDS),
    HANDLER_TIMEOUT_MS: '2000',
    SHUTDOWN_GRACE_MS: '3000',
    DELIVERY_BACKOFF_BASE_MS: '20',
    DELIVERY_BACKOFF_MAX_MS: '100',
    FORWARD_URLS: `${forwardUrl}/${name}`,
    FORWARD_SECRET: 'whsec_dGVzdC1mb3J3YXJkLXNlY3JldA==',
    ADMIN_TOKEN,
    AUDIT_LOG_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    await service.ready(30_000);
  } catch (error) {
    service.kill();
    throw error;
  }
  return { name, service };
}

/** Stops whatever still runs: SIGKILL, then waits for the exit. */
export async function stopAll(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async ({ service }) => {
      service.kill('SIGKILL');
      await service.exit();
    }),
  );
}

/** The answer to one delivery; status 0 when no answer came (refused or reset connection). */
export interface Answer {
  replica: string;
  status: number;
  body: Record<string, string>;
  error?: string;
  /** When it was sent, and how long the sender waited for the whole answer. */
  sentAt: number;
  waitedMs: number;
}

/** POSTs a signed OpenRegister delivery to a replica. */
export async function deliver(replica: Replica, body: string): Promise<Answer> {
  const sentAt = Date.now();
  try {
    const response = await fetch(`${replica.service.url}/webhooks/openregister`, { method: 'POST', headers: signedHeaders(body), body });
    const parsed = (await response.json()) as Record<string, string>;
    return { replica: replica.name, status: response.status, body: parsed, sentAt, waitedMs: Date.now() - sentAt };
  } catch (error) {
    return { replica: replica.name, status: 0, body: {}, error: String((error as Error).cause ?? error), sentAt, waitedMs: Date.now() - sentAt };
  }
}

/** Calls the admin API of a replica; resolves with the status and the parsed body. */
export async function admin(replica: Replica, method: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${replica.service.url}/admin/deliveries${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: response.status, body: await response.json() };
}

/**
 * A sender that spreads deliveries round-robin over the replicas in `live`, as a Kubernetes
 * Service does over its ready endpoints, with `concurrency` deliveries in flight, until stopped.
 * A replica taken out of `live` gets no new delivery; `inFlight` counts what it still answers.
 * With `paceInMs`, each of the `concurrency` senders waits that long after an answer before its
 * next delivery: a steady rate, not a flood of instant 503s while the store is down.
 */
export class Stream {
  readonly answers: Answer[] = [];
  readonly inFlight = new Map<string, number>();
  private stopped = false;
  private next = 0;
  private sent = 0;
  private running?: Promise<void>;

  constructor(
    public live: Replica[],
    private readonly bodyFor: (index: number) => string,
    private readonly concurrency = 4,
    private readonly paceInMs = 0,
  ) {}

  start(): this {
    this.running = Promise.all(Array.from({ length: this.concurrency }, () => this.worker())).then(() => undefined);
    return this;
  }

  /** Sends no more; resolves when every delivery sent was answered. */
  async stop(): Promise<Answer[]> {
    this.stopped = true;
    await this.running;
    return this.answers;
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const replica = this.live[this.next++ % this.live.length];
      const body = this.bodyFor(this.sent++);
      this.inFlight.set(replica.name, (this.inFlight.get(replica.name) ?? 0) + 1);
      try {
        this.answers.push(await deliver(replica, body));
      } finally {
        this.inFlight.set(replica.name, this.inFlight.get(replica.name)! - 1);
      }
      if (this.paceInMs > 0 && !this.stopped) await new Promise((resolve) => setTimeout(resolve, this.paceInMs));
    }
  }
}
