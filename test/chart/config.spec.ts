/**
 * Every variable of the service's environment contract is reachable from values, lands in the
 * ConfigMap or the Secret as the service expects it, and the values schema refuses bad input.
 */
import { describe, expect, it } from '@jest/globals';
import { findOne, helmTemplate, helmTemplateRaw, type Manifest, serviceEnvOf } from './helm.js';

/** The service's environment contract (DESIGN.md and the issue), with its defaults. */
const CONFIG_DEFAULTS: Record<string, string> = {
  PORT: '3000',
  WEBHOOK_ALLOW_UNAUTHENTICATED: 'false',
  WEBHOOK_TOLERANCE_SECONDS: '300',
  WEBHOOK_BODY_LIMIT: '5mb',
  TRUST_PROXY: 'false',
  LOG_LEVEL: 'info',
  THROTTLE_UNAUTHENTICATED_LIMIT: '20',
  THROTTLE_UNAUTHENTICATED_TTL_SECONDS: '60',
  THROTTLE_AUTHENTICATED_LIMIT: '60000',
  THROTTLE_AUTHENTICATED_TTL_SECONDS: '60',
  IDEMPOTENCY_TTL_SECONDS: '604800',
  IDEMPOTENCY_MAX_ENTRIES: '100000',
  AUDIT_LOG_ENABLED: 'true',
  SHUTDOWN_GRACE_MS: '10000',
  DELIVERY_MODE: 'queued',
  STORE_DRIVER: 'sqlite',
  DATA_DIR: '/data',
  DELIVERY_CONCURRENCY: '8',
  DELIVERY_MAX_ATTEMPTS: '8',
  DELIVERY_BACKOFF_BASE_MS: '1000',
  DELIVERY_BACKOFF_MAX_MS: '300000',
  HANDLER_TIMEOUT_MS: '30000',
  FORWARD_TIMEOUT_MS: '10000',
  DELIVERY_RETENTION_DAYS: '14',
  DELIVERY_GROUP_COMMIT: 'true',
  SQLITE_STORE_THREAD: 'false',
  HTTP_ADAPTER: 'express',
};
/**
 * Rendered only when set (the lists, TRACK_PREVIOUS_STATE), with store.driver postgres (the pool
 * size, the lease), with catchup.enabled (test/chart/catchup.spec.ts) or with tracing.enabled
 * (the OTEL_* ones: test/chart/tracing.spec.ts).
 */
const OPTIONAL_CONFIG = [
  'IP_ALLOWLIST',
  'FORWARD_URLS',
  'FORWARD_UNREDACTED_URLS',
  'REDACT_FIELDS',
  'DATABASE_POOL_SIZE',
  'DATABASE_CONNECT_TIMEOUT_MS',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'DELIVERY_LEASE_SECONDS',
  'OPENREGISTER_URL',
  'OPENREGISTER_USERNAME',
  'OPENREGISTER_TIMEOUT_MS',
  'CATCHUP_INTERVAL_SECONDS',
  'CATCHUP_FROM',
  'CATCHUP_SOURCE',
  'CATCHUP_REGISTERS',
  'CATCHUP_SCHEMAS',
  'CATCHUP_PAGE_SIZE',
  'CATCHUP_LEASE_SECONDS',
  'TRACK_PREVIOUS_STATE',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
];
const SECRET_VARS = ['WEBHOOK_SECRETS', 'WEBHOOK_TOKENS', 'ADMIN_TOKEN', 'FORWARD_SECRET', 'DATABASE_URL', 'OPENREGISTER_PASSWORD'];
const POSTGRES = { 'store.driver': 'postgres', 'store.postgres.url': 'postgres://orw:pw@db:5432/orw' };

/** values path, --set value, variable, rendered value. */
const CONFIG_VALUES: Array<[string, string | number | boolean, string, string]> = [
  ['containerPort', 8080, 'PORT', '8080'],
  ['config.webhook.allowUnauthenticated', true, 'WEBHOOK_ALLOW_UNAUTHENTICATED', 'true'],
  ['config.webhook.toleranceSeconds', 120, 'WEBHOOK_TOLERANCE_SECONDS', '120'],
  ['config.webhook.bodyLimit', '512kb', 'WEBHOOK_BODY_LIMIT', '512kb'],
  ['config.ipAllowlist', '{10.0.0.0/8,2001:db8::/32}', 'IP_ALLOWLIST', '10.0.0.0/8,2001:db8::/32'],
  ['config.trustProxy', 2, 'TRUST_PROXY', '2'],
  ['config.trustProxy', true, 'TRUST_PROXY', 'true'],
  ['config.logLevel', 'trace', 'LOG_LEVEL', 'trace'],
  ['config.throttle.unauthenticated.limit', 5, 'THROTTLE_UNAUTHENTICATED_LIMIT', '5'],
  ['config.throttle.unauthenticated.ttlSeconds', 30, 'THROTTLE_UNAUTHENTICATED_TTL_SECONDS', '30'],
  ['config.throttle.authenticated.limit', 120000, 'THROTTLE_AUTHENTICATED_LIMIT', '120000'],
  ['config.throttle.authenticated.ttlSeconds', 120, 'THROTTLE_AUTHENTICATED_TTL_SECONDS', '120'],
  ['config.idempotency.ttlSeconds', 86400, 'IDEMPOTENCY_TTL_SECONDS', '86400'],
  ['config.idempotency.maxEntries', 1000000, 'IDEMPOTENCY_MAX_ENTRIES', '1000000'],
  ['config.auditLogEnabled', false, 'AUDIT_LOG_ENABLED', 'false'],
  ['config.shutdownGraceMs', 20000, 'SHUTDOWN_GRACE_MS', '20000'],
  ['config.delivery.mode', 'inline', 'DELIVERY_MODE', 'inline'],
  ['store.driver', 'memory', 'STORE_DRIVER', 'memory'],
  ['persistence.mountPath', '/var/lib/webhooks', 'DATA_DIR', '/var/lib/webhooks'],
  ['config.delivery.concurrency', 16, 'DELIVERY_CONCURRENCY', '16'],
  ['config.delivery.maxAttempts', 3, 'DELIVERY_MAX_ATTEMPTS', '3'],
  ['config.delivery.backoffBaseMs', 500, 'DELIVERY_BACKOFF_BASE_MS', '500'],
  ['config.delivery.backoffMaxMs', 3600000, 'DELIVERY_BACKOFF_MAX_MS', '3600000'],
  ['config.delivery.handlerTimeoutMs', 10000, 'HANDLER_TIMEOUT_MS', '10000'],
  ['config.forward.urls', '{https://a.example/h,http://b.example/h}', 'FORWARD_URLS', 'https://a.example/h,http://b.example/h'],
  ['config.forward.unredactedUrls', '{https://a.example/h}', 'FORWARD_UNREDACTED_URLS', 'https://a.example/h'],
  ['config.redactFields', '{X-Nc-Session,bsn}', 'REDACT_FIELDS', 'X-Nc-Session,bsn'],
  ['config.forward.timeoutMs', 2500, 'FORWARD_TIMEOUT_MS', '2500'],
  ['config.delivery.retentionDays', 30, 'DELIVERY_RETENTION_DAYS', '30'],
  ['config.delivery.retentionDays', 0, 'DELIVERY_RETENTION_DAYS', '0'],
  ['config.delivery.groupCommit', false, 'DELIVERY_GROUP_COMMIT', 'false'],
  ['config.httpAdapter', 'fastify', 'HTTP_ADAPTER', 'fastify'],
  ['config.httpAdapter', 'express', 'HTTP_ADAPTER', 'express'],
  ['store.driver', 'sqlite', 'STORE_DRIVER', 'sqlite'],
  ['store.sqlite.thread', true, 'SQLITE_STORE_THREAD', 'true'],
];

const configOf = (docs: Manifest[]) => findOne(docs, 'ConfigMap').data as Record<string, string>;

describe('environment contract', () => {
  it('renders every non-secret variable with the service defaults', () => {
    expect(configOf(helmTemplate())).toEqual(CONFIG_DEFAULTS);
  });

  it.each(CONFIG_VALUES)('%s=%s sets %s', (path, value, variable, rendered) => {
    expect(configOf(helmTemplate([], { [path]: value }))[variable]).toBe(rendered);
  });

  it('prints large integers from values files whole, not in float notation (1e+06)', () => {
    // YAML numbers reach the templates as float64; --set ones as int64, so this needs a file.
    const config = configOf(helmTemplate(['inline-mode-values.yaml']));
    expect(config.IDEMPOTENCY_MAX_ENTRIES).toBe('1000000');
    expect(config.SHUTDOWN_GRACE_MS).toBe('45000');
  });

  it('sets STORE_DRIVER=postgres, DATABASE_POOL_SIZE and DELIVERY_LEASE_SECONDS with the postgres store, and neither otherwise', () => {
    expect(configOf(helmTemplate([], POSTGRES))).toEqual(
      expect.objectContaining({ STORE_DRIVER: 'postgres', DATABASE_POOL_SIZE: '10' }),
    );
    expect(configOf(helmTemplate([], { ...POSTGRES, 'store.postgres.poolSize': 25 })).DATABASE_POOL_SIZE).toBe('25');
    expect(configOf(helmTemplate([], POSTGRES)).DELIVERY_LEASE_SECONDS).toBe('15');
    expect(configOf(helmTemplate([], { ...POSTGRES, 'store.postgres.leaseSeconds': 30 })).DELIVERY_LEASE_SECONDS).toBe('30');
    expect(configOf(helmTemplate(['postgres-hpa-existing-secret-values.yaml'])).DATABASE_POOL_SIZE).toBe('20');
    // The database's time limits: 5 s each by default, settable.
    expect(configOf(helmTemplate([], POSTGRES))).toEqual(
      expect.objectContaining({ DATABASE_CONNECT_TIMEOUT_MS: '5000', DATABASE_STATEMENT_TIMEOUT_MS: '5000' }),
    );
    const limits = configOf(helmTemplate([], { ...POSTGRES, 'store.postgres.connectTimeoutMs': 2000, 'store.postgres.statementTimeoutMs': 3000 }));
    expect([limits.DATABASE_CONNECT_TIMEOUT_MS, limits.DATABASE_STATEMENT_TIMEOUT_MS]).toEqual(['2000', '3000']);
    for (const driver of ['sqlite', 'memory']) {
      expect(configOf(helmTemplate([], { 'store.driver': driver }))).not.toHaveProperty('DATABASE_POOL_SIZE');
      expect(configOf(helmTemplate([], { 'store.driver': driver }))).not.toHaveProperty('DATABASE_STATEMENT_TIMEOUT_MS');
      expect(configOf(helmTemplate([], { 'store.driver': driver }))).not.toHaveProperty('DELIVERY_LEASE_SECONDS');
    }
  });

  it('keeps DATABASE_URL out of the ConfigMap', () => {
    const config = configOf(helmTemplate([], POSTGRES));
    expect(config).not.toHaveProperty('DATABASE_URL');
    expect(JSON.stringify(config)).not.toContain('postgres://');
  });

  it('covers the whole contract: every variable is set from values somewhere', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml', 'tracing-values.yaml'], {
      'config.ipAllowlist': '{10.0.0.0/8}',
      'config.forward.urls': '{https://a.example/h}',
      'config.forward.unredactedUrls': '{https://a.example/h}',
      'config.redactFields': '{bsn}',
      'catchup.enabled': true,
      'catchup.url': 'https://nextcloud.example.org',
      'catchup.username': 'reader',
      'catchup.registers': '{publications}',
      'catchup.schemas': '{publication}',
      'catchup.trackPreviousState': true,
    });
    const fromConfig = Object.keys(configOf(docs));
    const fromSecret = serviceEnvOf(docs).map((e) => e.name);
    const all = [...Object.keys(CONFIG_DEFAULTS), ...OPTIONAL_CONFIG, ...SECRET_VARS];
    expect([...fromConfig, ...fromSecret].sort()).toEqual([...all].sort());
  });

  it('trusts the ingress hop by default when the Ingress is on', () => {
    expect(configOf(helmTemplate([], { 'ingress.enabled': true })).TRUST_PROXY).toBe('1');
    expect(configOf(helmTemplate([], { 'ingress.enabled': true, 'config.trustProxy': 'false' })).TRUST_PROXY).toBe('false');
    expect(
      configOf(helmTemplate([], ['config.trustProxy=10.0.0.0/8\\,192.168.0.0/16'])).TRUST_PROXY,
    ).toBe('10.0.0.0/8,192.168.0.0/16');
  });
});

describe('values.schema.json refuses bad values', () => {
  it.each([
    ['a string replica count', 'replicaCount=two', /replicaCount.*integer/i],
    ['a negative number', 'config.delivery.concurrency=-1', /concurrency.*greater than or equal to 1/i],
    ['a zero termination grace period', 'terminationGracePeriodSeconds=0', /terminationGracePeriodSeconds/],
    ['an unknown log level', 'config.logLevel=verbose', /logLevel.*one of/i],
    ['an unknown delivery mode', 'config.delivery.mode=async', /mode.*one of/i],
    ['the removed redis store driver', 'store.driver=redis', /driver.*one of/i],
    ['an unknown HTTP platform', 'config.httpAdapter=koa', /httpAdapter.*one of/i],
    ['a pool of no connections', 'store.postgres.poolSize=0', /poolSize.*greater than or equal to 1/i],
    ['a statement timeout of 0', 'store.postgres.statementTimeoutMs=0', /statementTimeoutMs.*greater than or equal to 1/i],
    ['a database port out of range', 'store.postgres.port=70000', /port/],
    ['a port out of range', 'containerPort=70000', /containerPort/],
    ['a boolean given as a word', 'config.auditLogEnabled=yes', /auditLogEnabled.*boolean/i],
    ['a fractional integer', 'config.idempotency.ttlSeconds=1.5', /ttlSeconds.*integer/i],
    ['a malformed body limit', 'config.webhook.bodyLimit=lots', /bodyLimit/],
    ['a non-http forward URL', 'config.forward.urls={ftp://x.example}', /urls/],
    ['a non-http unredacted forward URL', 'config.forward.unredactedUrls={ftp://x.example}', /unredactedUrls/],
    ['a redacted key name with a space', 'config.redactFields={two words}', /redactFields/],
    ['a secret with a comma in it', 'secrets.webhookTokens={a\\,b}', /webhookTokens/],
    ['a DATABASE_URL that is not postgres://', 'store.postgres.url=mysql://db:3306/orw', /url/],
    ['the removed redis settings', 'store.redis.url=redis://redis:6379', /Additional property redis is not allowed/],
    ['a preStop pause below zero', 'preStopSleepSeconds=-1', /preStopSleepSeconds/],
    ['an unknown top-level key', 'replicas=2', /Additional property replicas is not allowed/],
    ['an unknown config key', 'config.logLevl=debug', /Additional property logLevl is not allowed/],
    ['a bad pull policy', 'image.pullPolicy=Sometimes', /pullPolicy/],
    ['a heap ceiling too small for Node to start', 'maxHeapMiB=8', /maxHeapMiB.*greater than or equal to 16/i],
    ['a heap ceiling that is not a number', 'maxHeapMiB=abc', /maxHeapMiB.*Invalid type/i],
  ])('%s (%s)', (_label, set, message) => {
    const result = helmTemplateRaw([], [set]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(result.stderr).toMatch(message);
  });
});
