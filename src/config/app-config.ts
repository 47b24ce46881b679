import bytes from 'bytes';
import { IpAllowlist } from '../common/ip-allowlist.js';
import { type CatchupConfig, catchupProblems, readCatchupConfig } from './catchup-config.js';
import { readTracingConfig, type TracingConfig } from './tracing-config.js';
import { checkEnvironment, DELIVERY_MODES, HTTP_ADAPTERS, parseBoolean, splitList, STORE_DRIVERS } from './environment.js';

// Catch-up's settings have a file of their own; these names stay importable from here.
export { type CatchupConfig, loadOpenRegisterConnection, type OpenRegisterConnection, openRegisterApiUrl } from './catchup-config.js';

/** The validated, typed configuration; the only place environment variables are read. */
export interface AppConfig {
  port: number;
  logLevel: string;
  /** HTTP_ADAPTER: the HTTP platform under Nest (`src/http/`). */
  httpAdapter: (typeof HTTP_ADAPTERS)[number];
  webhook: {
    secrets: string[];
    tokens: string[];
    allowUnauthenticated: boolean;
    toleranceInSeconds: number;
    /** WEBHOOK_BODY_LIMIT, parsed. */
    bodyLimitInBytes: number;
  };
  ipAllowlist: string[];
  /** Express's `trust proxy` or Fastify's `trustProxy`: both are proxy-addr, with the same values. */
  trustProxy: boolean | number | string[];
  throttle: {
    unauthenticated: { limit: number; ttlInSeconds: number };
    authenticated: { limit: number; ttlInSeconds: number };
  };
  idempotency: { ttlInSeconds: number; maxEntries: number };
  auditLogEnabled: boolean;
  shutdownGraceInMs: number;
  handlerTimeoutInMs: number;
  delivery: {
    mode: (typeof DELIVERY_MODES)[number];
    store: (typeof STORE_DRIVERS)[number];
    dataDir: string;
    concurrency: number;
    maxAttempts: number;
    backoffBaseInMs: number;
    backoffMaxInMs: number;
    retentionInDays: number;
    /** One disk sync per batch of concurrent deliveries (true) or per delivery (false, for measuring). */
    groupCommit: boolean;
    /** SQLITE_STORE_THREAD: the SQLite delivery store's statements on a thread of their own (`sqlite` only). */
    storeThread: boolean;
    /** How long a claim on a delivery lasts without renewal (postgres: a dead replica's deliveries wait this long). */
    leaseInSeconds: number;
  };
  /** The shared PostgreSQL of STORE_DRIVER=postgres; `url` is set whenever that driver is. */
  /** Timeouts: connecting (and waiting for a pooled connection), and one statement. */
  database: { url?: string; poolSize: number; connectTimeoutInMs: number; statementTimeoutInMs: number };
  /** `unredactedUrls`: the FORWARD_URLS that get events with their credentials (FORWARD_UNREDACTED_URLS). */
  forward: { urls: string[]; unredactedUrls: string[]; secret?: string; timeoutInMs: number };
  /** REDACT_FIELDS: key names blanked besides the built-in ones (see RedactionPolicy). */
  redactFields: string[];
  adminToken?: string;
  /** ADMIN_IP_ALLOWLIST: addresses and CIDRs `/admin` answers (403 to others); empty: any. */
  adminIpAllowlist: string[];
  /** Reading OpenRegister's change feed (or audit trail) for what webhooks never brought: on with OPENREGISTER_URL. */
  catchup?: CatchupConfig;
  /** TRACK_PREVIOUS_STATE: remember each object's last state, so updates carry `previous` and `changes`. */
  trackPreviousState: boolean;
  /** OpenTelemetry tracing (OTEL_*): undefined when off, as it is unless an exporter or endpoint is set. */
  tracing?: TracingConfig;
}

export const APP_CONFIG = Symbol('AppConfig');

/**
 * Reads and validates the environment.
 * @throws Error that lists every mistake at once, one line each (`  NAME="value": why, and the
 * accepted form`), so an environment file with three mistakes takes one restart, not three.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Bad values are left out of `v`, so the config below is built with their defaults and the
  // checks of combinations still run: their mistakes are reported along with the bad values.
  const { variables: v, problems, invalid } = checkEnvironment(env);
  const int = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
  const config: AppConfig = {
    port: int(v.PORT, 3000),
    logLevel: v.LOG_LEVEL ?? 'info',
    httpAdapter: (v.HTTP_ADAPTER as AppConfig['httpAdapter']) ?? 'express',
    webhook: {
      secrets: splitList(v.WEBHOOK_SECRETS),
      tokens: splitList(v.WEBHOOK_TOKENS),
      allowUnauthenticated: parseBoolean(v.WEBHOOK_ALLOW_UNAUTHENTICATED, false),
      toleranceInSeconds: int(v.WEBHOOK_TOLERANCE_SECONDS, 300),
      bodyLimitInBytes: bytes.parse(v.WEBHOOK_BODY_LIMIT ?? '5mb') ?? 0,
    },
    ipAllowlist: splitList(v.IP_ALLOWLIST),
    trustProxy: parseTrustProxy(v.TRUST_PROXY),
    throttle: {
      unauthenticated: { limit: int(v.THROTTLE_UNAUTHENTICATED_LIMIT, 20), ttlInSeconds: int(v.THROTTLE_UNAUTHENTICATED_TTL_SECONDS, 60) },
      authenticated: { limit: int(v.THROTTLE_AUTHENTICATED_LIMIT, 60_000), ttlInSeconds: int(v.THROTTLE_AUTHENTICATED_TTL_SECONDS, 60) },
    },
    idempotency: { ttlInSeconds: int(v.IDEMPOTENCY_TTL_SECONDS, 7 * 24 * 3600), maxEntries: int(v.IDEMPOTENCY_MAX_ENTRIES, 100_000) },
    auditLogEnabled: parseBoolean(v.AUDIT_LOG_ENABLED, true),
    shutdownGraceInMs: int(v.SHUTDOWN_GRACE_MS, 10_000),
    handlerTimeoutInMs: int(v.HANDLER_TIMEOUT_MS, 30_000),
    delivery: {
      mode: (v.DELIVERY_MODE as AppConfig['delivery']['mode']) ?? 'queued',
      store: (v.STORE_DRIVER as AppConfig['delivery']['store']) ?? 'sqlite',
      dataDir: v.DATA_DIR ?? './data',
      concurrency: int(v.DELIVERY_CONCURRENCY, 8),
      maxAttempts: int(v.DELIVERY_MAX_ATTEMPTS, 8),
      backoffBaseInMs: int(v.DELIVERY_BACKOFF_BASE_MS, 1000),
      backoffMaxInMs: int(v.DELIVERY_BACKOFF_MAX_MS, 300_000),
      retentionInDays: int(v.DELIVERY_RETENTION_DAYS, 14),
      groupCommit: parseBoolean(v.DELIVERY_GROUP_COMMIT, true),
      storeThread: parseBoolean(v.SQLITE_STORE_THREAD, false),
      leaseInSeconds: int(v.DELIVERY_LEASE_SECONDS, 15),
    },
    database: {
      url: v.DATABASE_URL,
      poolSize: int(v.DATABASE_POOL_SIZE, 10),
      connectTimeoutInMs: int(v.DATABASE_CONNECT_TIMEOUT_MS, 5000),
      statementTimeoutInMs: int(v.DATABASE_STATEMENT_TIMEOUT_MS, 5000),
    },
    forward: { urls: v.FORWARD_URLS ?? [], unredactedUrls: v.FORWARD_UNREDACTED_URLS ?? [], secret: v.FORWARD_SECRET, timeoutInMs: int(v.FORWARD_TIMEOUT_MS, 10_000) },
    adminToken: v.ADMIN_TOKEN,
    adminIpAllowlist: splitList(v.ADMIN_IP_ALLOWLIST),
    catchup: readCatchupConfig(v),
    trackPreviousState: parseBoolean(v.TRACK_PREVIOUS_STATE, v.OPENREGISTER_URL !== undefined),
    redactFields: splitList(v.REDACT_FIELDS),
    tracing: readTracingConfig(v),
  };
  // A variable already reported as badly formed is not reported again for what its default implies.
  const mistakes = [...problems, ...consistencyProblems(config).filter(([names]) => !names.some((name) => invalid.has(name))).map(([, line]) => line)];
  if (mistakes.length > 0) throw new Error(`Invalid configuration:\n${mistakes.join('\n')}`);
  return config;
}

/** A mistake in a combination of values: the variables it is about, and its line. */
type Problem = [names: string[], line: string];

function consistencyProblems(config: AppConfig): Problem[] {
  const problems: Problem[] = [];
  const add = (names: string[], line: string) => problems.push([names, `  ${line}`]);
  const { webhook } = config;
  if (webhook.secrets.length === 0 && webhook.tokens.length === 0 && !webhook.allowUnauthenticated) {
    add(
      ['WEBHOOK_SECRETS', 'WEBHOOK_TOKENS', 'WEBHOOK_ALLOW_UNAUTHENTICATED'],
      'WEBHOOK_SECRETS, WEBHOOK_TOKENS: no credential is configured; set WEBHOOK_SECRETS (HMAC secrets, comma-separated) ' +
        'and/or WEBHOOK_TOKENS (static tokens, comma-separated), or set WEBHOOK_ALLOW_UNAUTHENTICATED=true to accept unauthenticated deliveries',
    );
  }
  for (const [name, list] of [['IP_ALLOWLIST', config.ipAllowlist], ['ADMIN_IP_ALLOWLIST', config.adminIpAllowlist]] as const) {
    const bad = list.filter((entry) => !isAddressOrCidr(entry));
    if (bad.length > 0) {
      add([name], `${name}: ${bad.map((entry) => `"${entry}"`).join(', ')} ${bad.length === 1 ? 'is not an IP address or CIDR range' : 'are not IP addresses or CIDR ranges'} (accepted: a comma list such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)`);
    }
  }
  if (Array.isArray(config.trustProxy)) {
    const bad = config.trustProxy.filter((entry) => !TRUST_PROXY_NAMES.includes(entry) && !isAddressOrCidr(entry));
    if (bad.length > 0) {
      add(['TRUST_PROXY'], `TRUST_PROXY: ${bad.map((entry) => `"${entry}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not true, false, a hop count, ${TRUST_PROXY_NAMES.join('/')}, an IP address or a CIDR range`);
    }
  }
  const positive: [string, number][] = [
    ['PORT', config.port],
    ['DELIVERY_CONCURRENCY', config.delivery.concurrency],
    ['DELIVERY_MAX_ATTEMPTS', config.delivery.maxAttempts],
    ['HANDLER_TIMEOUT_MS', config.handlerTimeoutInMs],
    ['DATABASE_POOL_SIZE', config.database.poolSize],
    ['DATABASE_CONNECT_TIMEOUT_MS', config.database.connectTimeoutInMs],
    ['DATABASE_STATEMENT_TIMEOUT_MS', config.database.statementTimeoutInMs],
    ['DELIVERY_LEASE_SECONDS', config.delivery.leaseInSeconds],
    ['IDEMPOTENCY_MAX_ENTRIES', config.idempotency.maxEntries],
    ['THROTTLE_UNAUTHENTICATED_TTL_SECONDS', config.throttle.unauthenticated.ttlInSeconds],
    ['THROTTLE_AUTHENTICATED_TTL_SECONDS', config.throttle.authenticated.ttlInSeconds],
  ];
  for (const [name, value] of positive) {
    if (value < 1) add([name], `${name}=${value}: must be at least 1`);
  }
  if (config.catchup) for (const [names, line] of catchupProblems(config.catchup)) add(names, line);
  if (config.delivery.store === 'postgres' && !config.database.url) {
    add(['DATABASE_URL'], 'DATABASE_URL: required with STORE_DRIVER=postgres (postgres://user:password@host:5432/database)');
  }
  if (config.delivery.storeThread && config.delivery.store !== 'sqlite') {
    add(['SQLITE_STORE_THREAD'], `SQLITE_STORE_THREAD=true: only with STORE_DRIVER=sqlite (the thread opens DATA_DIR's database file), not ${config.delivery.store}`);
  }
  const forwarded = new Set(config.forward.urls.map((url) => new URL(url).href));
  const stray = config.forward.unredactedUrls.find((url) => !forwarded.has(new URL(url).href));
  // Only the host is named: a URL's path or query may carry a token.
  if (stray !== undefined) add(['FORWARD_UNREDACTED_URLS'], `FORWARD_UNREDACTED_URLS: the URL on ${new URL(stray).host} is not one of FORWARD_URLS (list such a target in both, exactly as written)`);
  if (config.port > 65535) add(['PORT'], `PORT=${config.port}: must be at most 65535`);
  return problems;
}

/** Names proxy-addr (behind both platforms' trust proxy settings) understands besides addresses. */
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrCidr(entry: string): boolean {
  try {
    new IpAllowlist([entry]);
    return true;
  } catch {
    return false;
  }
}

function parseTrustProxy(raw: string | undefined): AppConfig['trustProxy'] {
  const value = raw?.trim();
  if (value === undefined || /^false$/i.test(value)) return false;
  if (/^true$/i.test(value)) return true;
  if (/^\d+$/.test(value)) return Number(value);
  return splitList(value);
}
