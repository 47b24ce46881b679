import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import request from 'supertest';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/app-config.js';
import type { AppOptions } from '../../src/app.module.js';
import { createApp } from '../../src/create-app.js';
import { createLogger } from '../../src/logging/logger.js';
import { FIXTURE_SECRET, FIXTURE_SENT_AT, FIXTURE_TOKEN, type Fixture } from './fixtures.js';
import { TEST_HTTP_ADAPTER } from './http-adapter.js';

/** Environment every test app starts from: the fixtures' credentials, a quiet but complete log. */
export const TEST_ENV: Record<string, string> = {
  HTTP_ADAPTER: TEST_HTTP_ADAPTER,
  WEBHOOK_SECRETS: FIXTURE_SECRET,
  WEBHOOK_TOKENS: FIXTURE_TOKEN,
  LOG_LEVEL: 'info',
  DELIVERY_MODE: 'inline',
  STORE_DRIVER: 'memory',
};

/**
 * The app's clock: it starts a few seconds after the fixtures were sent (their signatures are
 * fresh then) and runs on like a wall clock, so the worker's retries, leases and windows come due
 * as in production. Setting `time` pins it there, for tests at the exact edge of a window;
 * `advance` moves it, pinned or running.
 */
export class TestClock implements Clock {
  private startedAt = Date.now();
  private pinned = false;

  constructor(private from = FIXTURE_SENT_AT + 5_000) {}

  now(): number {
    return this.pinned ? this.from : this.from + (Date.now() - this.startedAt);
  }

  get time(): number {
    return this.now();
  }

  set time(time: number) {
    this.from = time;
    this.pinned = true;
  }

  advance(ms: number): void {
    this.from += ms;
  }
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  clock: TestClock;
  /** Every JSON log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** The `/metrics` text. */
  metrics(): Promise<string>;
  /** The base URL the app listens on (loopback, a free port). */
  url: string;
  /** Sends a fixture exactly as its sender would: same bytes, same headers. */
  send(fixture: Fixture, extraHeaders?: Record<string, string | undefined>): Promise<RawResponse>;
  /** POSTs raw bytes to the webhook route with exactly these headers (fetch adds no Content-Type for bytes). */
  post(body: Buffer | string, headers: Record<string, string | undefined>): Promise<RawResponse>;
  close(): Promise<void>;
}

/** Boots the real application (same factory as `main.ts`) with test overrides. */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { extensions?: ModuleMetadata['imports']; clock?: TestClock; traceExporter?: AppOptions['traceExporter'] } = {},
): Promise<TestApp> {
  const config = loadConfig({ ...TEST_ENV, ...env });
  const logs: Record<string, unknown>[] = [];
  // The production logger, writing into memory instead of stdout.
  const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }, { redactFields: config.redactFields });
  const clock = options.clock ?? new TestClock();
  const app = await createApp({ config, logger, clock, extensions: options.extensions, traceExporter: options.traceExporter });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const http = request(app.getHttpServer());
  const post = async (body: Buffer | string, headers: Record<string, string | undefined>): Promise<RawResponse> => {
    const sent = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const response = await fetch(`${url}/webhooks/openregister`, { method: 'POST', headers: sent, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
  };
  return {
    app,
    http,
    clock,
    logs,
    metrics: async () => (await request(app.getHttpServer()).get('/metrics')).text,
    url,
    post,
    send: (fixture, extraHeaders = {}) => post(fixture.body, { ...fixture.headers, ...extraHeaders }),
    close: () => app.close(),
  };
}

/** The value of one sample in Prometheus text, or 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (wanted.length === 0 && line.startsWith(name + ' ')) return Number(line.slice(name.length + 1));
    if (!line.startsWith(name + '{')) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    // Prometheus text escapes backslashes and quotes in label values.
    if (wanted.every(([key, value]) => labelText.includes(`${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** The delivery log lines (one per outcome). */
export function deliveryLines(logs: Record<string, unknown>[]): Record<string, unknown>[] {
  return logs.filter((line) => typeof line.outcome === 'string' && typeof line.deliveryId === 'string');
}
