/**
 * Values the schema cannot judge alone: the chart refuses to render them, with a message that says
 * why and what to do.
 */
import { describe, expect, it } from '@jest/globals';
import { SHUTDOWN_MARGIN_IN_MS } from '../../src/health/shutdown-deadline.js';
import { findOne, helmTemplate, helmTemplateRaw } from './helm.js';

const POSTGRES = { 'store.driver': 'postgres', 'store.postgres.url': 'postgres://orw:pw@db:5432/orw' };

/** Renders and expects helm to refuse, returning its message. */
function refused(set: Record<string, string | number | boolean>): string {
  const result = helmTemplateRaw([], set);
  expect(result.status).not.toBe(0);
  return result.stderr;
}

describe('several replicas need the shared PostgreSQL store', () => {
  it.each([
    ['replicaCount=2 with sqlite', { replicaCount: 2 }],
    ['replicaCount=3 with memory', { replicaCount: 3, 'store.driver': 'memory' }],
    ['autoscaling with sqlite', { 'autoscaling.enabled': true }],
    ['autoscaling with memory', { 'autoscaling.enabled': true, 'store.driver': 'memory' }],
  ])('refuses %s, naming postgres and saying why', (_label, set) => {
    const message = refused(set);
    expect(message).toMatch(/replicaCount > 1 or autoscaling\.enabled needs the shared store: set store\.driver=postgres with a DATABASE_URL/);
    expect(message).toMatch(/private inbox and idempotency set/);
    expect(message).toMatch(/handlers twice/);
  });

  it('names the driver that was given', () => {
    expect(refused({ replicaCount: 2, 'store.driver': 'memory' })).toMatch(/With store\.driver=memory every pod/);
  });

  it('renders several replicas with store.driver=postgres, DATABASE_URL in the chart\'s Secret', () => {
    const docs = helmTemplate([], { replicaCount: 3, ...POSTGRES });
    expect(findOne(docs, 'Deployment').spec.replicas).toBe(3);
    expect(findOne(docs, 'ConfigMap').data.STORE_DRIVER).toBe('postgres');
    const databaseUrl = Buffer.from(findOne(docs, 'Secret').data.DATABASE_URL, 'base64').toString();
    expect(databaseUrl).toBe('postgres://orw:pw@db:5432/orw');
  });

  it('renders autoscaling with store.driver=postgres', () => {
    const docs = helmTemplate([], { 'autoscaling.enabled': true, ...POSTGRES });
    expect(findOne(docs, 'HorizontalPodAutoscaler').spec.minReplicas).toBe(2);
  });

  it('takes DATABASE_URL from an existingSecret too', () => {
    const docs = helmTemplate([], { replicaCount: 2, 'store.driver': 'postgres', 'secrets.existingSecret': 'creds' });
    expect(findOne(docs, 'Deployment').spec.replicas).toBe(2);
  });

  it('keeps a single replica on the embedded store', () => {
    expect(findOne(helmTemplate([], { replicaCount: 1 }), 'Deployment').spec.replicas).toBe(1);
  });

  it('refuses postgres without a DATABASE_URL', () => {
    expect(refused({ 'store.driver': 'postgres' })).toMatch(
      /store\.driver=postgres needs a DATABASE_URL: set store\.postgres\.url, or put DATABASE_URL in secrets\.existingSecret \(key secrets\.existingSecretKeys\.databaseUrl\)/,
    );
  });

  it('refuses store.postgres.url together with an existingSecret, which would drop it', () => {
    expect(refused({ ...POSTGRES, 'secrets.existingSecret': 'creds' })).toMatch(
      /store\.postgres\.url is written into the chart's Secret, which is not made when secrets\.existingSecret is set: put DATABASE_URL in the existing Secret/,
    );
  });

  it('refuses a data volume with postgres, which keeps nothing there', () => {
    expect(refused({ ...POSTGRES, 'persistence.enabled': true })).toMatch(
      /persistence\.enabled=true with store\.driver=postgres: the PostgreSQL store keeps nothing in the data directory/,
    );
  });

  it('refuses minReplicas above maxReplicas', () => {
    expect(
      refused({ ...POSTGRES, 'autoscaling.enabled': true, 'autoscaling.minReplicas': 5, 'autoscaling.maxReplicas': 2 }),
    ).toMatch(/autoscaling\.minReplicas must not be above autoscaling\.maxReplicas/);
  });
});

describe('the termination grace period outlasts the drain and the shutdown margin', () => {
  // SHUTDOWN_MARGIN_IN_MS: the service exits at most this long after its drain.
  const MARGIN_S = SHUTDOWN_MARGIN_IN_MS / 1000;
  const message = (termination: number, pause: number, drain: number) =>
    `terminationGracePeriodSeconds (${termination} s) must be at least the preStop pause (preStopSleepSeconds, ${pause} s) plus the service's drain, config.shutdownGraceMs (${drain} ms), plus the ${MARGIN_S} s the service may take after the drain`;

  it.each([
    ['equal to the drain', { terminationGracePeriodSeconds: 10 }, 10],
    ['shorter than the default drain', { terminationGracePeriodSeconds: 5 }, 5],
    ['covering the drain but not the margin', { terminationGracePeriodSeconds: 10 + MARGIN_S - 1 }, 10 + MARGIN_S - 1],
    ['shorter than a raised drain', { 'config.shutdownGraceMs': 40000 }, 30],
  ])('refuses a grace period %s', (_label, set, termination) => {
    const drain = (set as Record<string, number>)['config.shutdownGraceMs'] ?? 10000;
    expect(refused(set)).toContain(message(termination, 0, drain));
  });

  it.each([
    ['the default 10 s pause with postgres', { ...POSTGRES, terminationGracePeriodSeconds: 10 + 10 + MARGIN_S - 1 }, 10, 10000],
    ['an explicit pause', { preStopSleepSeconds: 25, terminationGracePeriodSeconds: 30 }, 25, 10000],
  ])('counts the preStop pause in: refuses %s when pause + drain + margin do not fit the grace period', (_label, set, pause, drain) => {
    expect(refused(set)).toContain(message(set.terminationGracePeriodSeconds, pause, drain));
  });

  it('accepts a grace period of exactly pause + drain + margin', () => {
    const docs = helmTemplate([], { ...POSTGRES, terminationGracePeriodSeconds: 10 + 10 + MARGIN_S });
    expect(findOne(docs, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(10 + 10 + MARGIN_S);
  });

  it('accepts a grace period of exactly drain + margin without a pause', () => {
    const docs = helmTemplate([], { terminationGracePeriodSeconds: 10 + MARGIN_S });
    expect(findOne(docs, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(10 + MARGIN_S);
  });
});

describe('catch-up needs where and as whom to read OpenRegister', () => {
  const CATCHUP = {
    'catchup.enabled': true,
    'catchup.url': 'https://nextcloud.example.org',
    'catchup.username': 'webhooks-reader',
    'catchup.password': 'app-password',
  };

  it.each([
    ['no URL', { 'catchup.url': '' }, 'catchup.url'],
    ['no username', { 'catchup.username': '' }, 'catchup.username'],
    ['no password and no existingSecret', { 'catchup.password': '' }, 'catchup.password (or secrets.existingSecret)'],
    ['nothing at all', { 'catchup.url': '', 'catchup.username': '', 'catchup.password': '' }, 'catchup.url, catchup.username, catchup.password (or secrets.existingSecret)'],
  ])('refuses catchup.enabled=true with %s, naming what is missing and where each goes', (_label, unset, missing) => {
    const message = refused({ ...CATCHUP, ...unset });
    expect(message).toContain(`catchup.enabled=true needs ${missing}.`);
    expect(message).toMatch(/catchup\.url \(the http\(s\) URL of Nextcloud, OPENREGISTER_URL\)/);
    expect(message).toMatch(/an app password of that user \(OPENREGISTER_PASSWORD\): catchup\.password, or the key secrets\.existingSecretKeys\.openregisterPassword of secrets\.existingSecret/);
  });

  it('refuses catchup.password together with an existingSecret, which would drop it', () => {
    expect(refused({ ...CATCHUP, 'secrets.existingSecret': 'creds' })).toMatch(
      /catchup\.password is written into the chart's Secret, which is not made when secrets\.existingSecret is set: put OPENREGISTER_PASSWORD in the existing Secret \(key secrets\.existingSecretKeys\.openregisterPassword\)/,
    );
  });

  it('renders with the password in the chart Secret, or with an existingSecret and no password', () => {
    expect(findOne(helmTemplate([], CATCHUP), 'ConfigMap').data.OPENREGISTER_URL).toBe('https://nextcloud.example.org');
    const docs = helmTemplate([], { ...CATCHUP, 'catchup.password': '', 'secrets.existingSecret': 'creds' });
    expect(findOne(docs, 'ConfigMap').data.OPENREGISTER_USERNAME).toBe('webhooks-reader');
  });

  it('does not judge catch-up values while catch-up is off', () => {
    expect(findOne(helmTemplate([], { 'catchup.password': 'app-password', 'secrets.existingSecret': 'creds' }), 'ConfigMap').data).not.toHaveProperty('OPENREGISTER_URL');
  });
});
