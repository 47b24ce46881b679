/**
 * The chart against the service itself: the environment each scenario renders must pass the
 * service's own start-up validation (src/config), and every variable the service declares must be
 * reachable from the chart's values. Catches drift in either direction without a cluster.
 */
import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage } from 'class-validator';
import { loadConfig } from '../../src/config/app-config.js';
import { EnvironmentVariables, STORE_DRIVERS } from '../../src/config/environment.js';
import { ciScenarios, findAll, findOne, FULLNAME, helmTemplate, type Manifest, mainContainer, SCENARIO_OPTIONS } from './helm.js';

/** Stand-in values for the Secret's keys, which the rendered manifests only reference. */
const SECRET_SAMPLES: Record<string, string> = {
  WEBHOOK_SECRETS: 'sample-secret',
  WEBHOOK_TOKENS: 'sample-token',
  ADMIN_TOKEN: 'sample-admin-token',
  FORWARD_SECRET: 'sample-forward-secret',
  DATABASE_URL: 'postgres://orw:sample@db:5432/orw',
  OPENREGISTER_PASSWORD: 'sample-app-password',
};

/** The environment the container would see: the ConfigMap, then the Secret's keys, then extraEnv. */
function containerEnvironment(docs: Manifest[]): Record<string, string> {
  const env: Record<string, string> = { ...(findOne(docs, 'ConfigMap', FULLNAME).data as Record<string, string>) };
  const secret = findAll(docs, 'Secret')[0];
  for (const entry of (mainContainer(docs).env ?? []) as Manifest[]) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    const ref = entry.valueFrom?.secretKeyRef;
    if (!ref) continue;
    env[entry.name] = secret?.data?.[ref.key] !== undefined
      ? Buffer.from(secret.data[ref.key], 'base64').toString()
      : SECRET_SAMPLES[entry.name];
  }
  return env;
}

/** The variables the service declares in its EnvironmentVariables class. */
function declaredVariables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

const storeDrivers: readonly string[] = STORE_DRIVERS;

/**
 * Standard OpenTelemetry variables the service honours that the chart has no value for: its off
 * switch is tracing.enabled (nothing rendered), and the per-signal twins of the endpoint and
 * protocol add nothing the general ones (tracing.endpoint, tracing.protocol) do not; extraEnv
 * sets them for whoever needs them.
 */
const NOT_FROM_VALUES = ['OTEL_SDK_DISABLED', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'];

describe('the service accepts what the chart renders', () => {
  it.each(['(default values)', ...ciScenarios()])('%s', (file) => {
    const docs = file.startsWith('(') ? helmTemplate() : helmTemplate([file], [], SCENARIO_OPTIONS[file] ?? {});
    const env = containerEnvironment(docs);
    if (!storeDrivers.includes(env.STORE_DRIVER)) {
      // The chart may offer a store before the service has it (postgres lands separately): the
      // service must then refuse it by name rather than start on the wrong store.
      expect(() => loadConfig(env)).toThrow(/STORE_DRIVER/);
      return;
    }
    const config = loadConfig(env);
    expect(config.port).toBe(Number(env.PORT));
    expect(config.delivery.mode).toBe(env.DELIVERY_MODE);
    expect(config.delivery.store).toBe(env.STORE_DRIVER);
    expect(config.delivery.dataDir).toBe(env.DATA_DIR);
    expect(config.shutdownGraceInMs).toBe(Number(env.SHUTDOWN_GRACE_MS));
  });

  it('reads the trust-proxy hop the chart sets behind its Ingress', () => {
    const env = containerEnvironment(helmTemplate(['default-values.yaml'], { 'ingress.enabled': true }));
    expect(loadConfig(env).trustProxy).toBe(1);
  });

  it('reads every setting the way the chart meant it', () => {
    const env = containerEnvironment(
      helmTemplate(['existing-secret-values.yaml'], {
        'config.ipAllowlist': '{10.0.0.0/8}',
        'config.idempotency.maxEntries': 1000000,
        'config.webhook.bodyLimit': '512kb',
      }),
    );
    const config = loadConfig(env);
    expect(config.ipAllowlist).toEqual(['10.0.0.0/8']);
    expect(config.idempotency.maxEntries).toBe(1_000_000);
    expect(config.webhook.bodyLimitInBytes).toBe(512 * 1024);
    expect(config.forward.urls).toEqual(['https://downstream.example.org/hooks']);
    expect(config.forward.secret).toBe(SECRET_SAMPLES.FORWARD_SECRET);
    expect(config.adminToken).toBe(SECRET_SAMPLES.ADMIN_TOKEN);
  });

  it('reads every catch-up setting the way the chart meant it', () => {
    const config = loadConfig(containerEnvironment(helmTemplate(['catchup-lockdown-values.yaml'])));
    expect(config.catchup).toEqual({
      apiUrl: 'https://nextcloud.example.org:8443/index.php/apps/openregister/api',
      username: 'webhooks-reader',
      password: SECRET_SAMPLES.OPENREGISTER_PASSWORD,
      requestTimeoutInMs: 20000,
      intervalInSeconds: 60,
      from: 'oldest',
      source: 'feed',
      registers: ['publications', '5'],
      schemas: ['publication'],
      pageSize: 1000,
      leaseInSeconds: 120,
    });
    expect(config.trackPreviousState).toBe(true);
  });

  it("reads the chart Secret's app password, a feed cursor, and the service's defaults for the rest", () => {
    const config = loadConfig(
      containerEnvironment(
        helmTemplate([], {
          'catchup.enabled': true,
          'catchup.url': 'https://nextcloud.example.org/',
          'catchup.username': 'reader',
          'catchup.password': 'pw-from-values',
          'catchup.from': 4711,
        }),
      ),
    );
    expect(config.catchup).toEqual(
      expect.objectContaining({ apiUrl: 'https://nextcloud.example.org/index.php/apps/openregister/api', password: 'pw-from-values', from: 4711, source: 'auto', registers: [], schemas: [] }),
    );
    expect(config.trackPreviousState).toBe(true);
  });

  it('leaves catch-up off, and previous state untracked, by default', () => {
    const config = loadConfig(containerEnvironment(helmTemplate()));
    expect(config.catchup).toBeUndefined();
    expect(config.trackPreviousState).toBe(false);
  });
});

describe('every variable the service declares is reachable from values', () => {
  it('is set by the ConfigMap or wired from the Secret', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml', 'tracing-values.yaml'], {
      'config.ipAllowlist': '{10.0.0.0/8}',
      'config.adminIpAllowlist': '{10.1.0.0/16}',
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
    const rendered = new Set(Object.keys(containerEnvironment(docs)));
    const declared = declaredVariables();
    expect(declared.length).toBeGreaterThan(20);
    expect(declared.filter((name) => !rendered.has(name) && !NOT_FROM_VALUES.includes(name))).toEqual([]);
  });
});
