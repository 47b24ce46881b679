import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_SECRET } from './fixtures.js';
import { TEST_HTTP_ADAPTER } from './http-adapter.js';
import { waitFor } from './wait-for.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A free loopback port, so parallel services never collide. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The built service (`npm run build`) as a child process, as `npm start` runs it. */
export class ServiceProcess {
  readonly stdout: string[] = [];
  stderr = '';
  /** On 'close', not 'exit': after 'exit' its pipes can still hold output not yet read here. */
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.stdout.push(...chunk.split('\n').filter(Boolean)));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  /**
   * Starts it in a folder of its own (removed when it exits), so that the default DATA_DIR
   * (`./data`) of a spec that names none is that process's alone: spec files run side by side
   * (two Jest workers), and two services on one DATA_DIR refuse each other (its lock).
   */
  static async start(env: Record<string, string>): Promise<ServiceProcess> {
    const port = env.PORT ?? String(await freePort());
    const cwd = mkdtempSync(join(tmpdir(), 'orw-service-'));
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', HTTP_ADAPTER: TEST_HTTP_ADAPTER, ...env, PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    void once(child, 'exit').then(() => rmSync(cwd, { recursive: true, force: true }));
    return new ServiceProcess(child, `http://127.0.0.1:${port}`);
  }

  /** Polls readiness until 200 (or the process dies). */
  async ready(timeoutInMs = 15_000): Promise<void> {
    const isReady = async () => {
      if (this.child.exitCode !== null) throw new Error(`service exited with ${this.child.exitCode}: ${this.stderr}`);
      try {
        return (await fetch(`${this.url}/health/ready`)).status === 200;
      } catch {
        return false; // not listening yet
      }
    };
    await waitFor(isReady, { timeoutInMs, what: 'the service to be ready', intervalInMs: 50 }).catch((error: Error) => {
      throw error.message.startsWith('timed out') ? new Error(`${error.message}; its stderr: ${this.stderr}`) : error;
    });
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /**
   * Stops it (SIGTERM, a graceful shutdown) and resolves once all it wrote has been read: what a
   * spec reads of `stderr` or `stdout` before that may lag behind what the process has done.
   */
  async stop(): Promise<void> {
    this.kill('SIGTERM');
    await this.exited;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  logLines(): Record<string, unknown>[] {
    return this.stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }
}

/**
 * The built service in queued mode, forwarding every event to `forwardUrl`, with backoffs short
 * enough for tests. The fixtures were signed in March 2026 and these runs are about delivery, not
 * replay windows, so the window is off.
 */
export async function startForwardingService(dataDir: string, forwardUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await ServiceProcess.start({
    WEBHOOK_SECRETS: FIXTURE_SECRET,
    WEBHOOK_TOLERANCE_SECONDS: '0',
    DELIVERY_MODE: 'queued',
    DATA_DIR: dataDir,
    FORWARD_URLS: forwardUrl,
    DELIVERY_BACKOFF_BASE_MS: '20',
    DELIVERY_BACKOFF_MAX_MS: '100',
    ...env,
  });
  try {
    await service.ready();
  } catch (error) {
    service.kill();
    throw error;
  }
  return service;
}
