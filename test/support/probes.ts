import type { Replica } from './replicas.js';

/** One answer of a probe: status 0 when none came within the probe's own limit. */
export interface ProbeAnswer {
  replica: string;
  path: string;
  at: number;
  status: number;
  waitedMs: number;
}

/** Far beyond any bound the specs assert: a probe that waits this long is recorded as no answer. */
const PROBE_LIMIT_IN_MS = 10_000;

/**
 * Polls `paths` of every replica, one request per replica and path at a time, as a kubelet and
 * Prometheus do, and records every answer with how long it took, until stopped.
 */
export class Probes {
  readonly answers: ProbeAnswer[] = [];
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly replicas: Replica[],
    private readonly paths: string[],
    private readonly everyInMs = 100,
  ) {}

  start(): this {
    this.running = Promise.all(this.replicas.flatMap((replica) => this.paths.map((path) => this.poll(replica, path)))).then(() => undefined);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** The answers to `path` since `from` (a time), optionally of one replica. */
  since(from: number, path: string, replica?: string): ProbeAnswer[] {
    return this.answers.filter((answer) => answer.at >= from && answer.path === path && (replica === undefined || answer.replica === replica));
  }

  /** The latest answer of `replica` to `path`. */
  latest(replica: string, path: string): ProbeAnswer | undefined {
    return this.answers.findLast((answer) => answer.replica === replica && answer.path === path);
  }

  private async poll(replica: Replica, path: string): Promise<void> {
    while (!this.stopped) {
      const at = Date.now();
      let status = 0;
      try {
        const response = await fetch(`${replica.service.url}${path}`, { signal: AbortSignal.timeout(PROBE_LIMIT_IN_MS) });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        // no answer (refused, reset or past the limit): recorded as 0
      }
      this.answers.push({ replica: replica.name, path, at, status, waitedMs: Date.now() - at });
      // The probes' own rate (a kubelet probes every few seconds; here more often, to see more).
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.everyInMs));
    }
  }
}
