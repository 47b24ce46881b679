/**
 * Catch-up (`catchup.*`): the service reads OpenRegister's change feed or audit trail for changes no
 * webhook brought. Its variables are rendered only when it is on, the app password reaches the pod
 * only through a Secret (the chart's or an existing one), the NetworkPolicy lets the pod reach
 * OpenRegister, and the values schema refuses what the service would refuse.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FULLNAME, findAll, findOne, helmTemplate, helmTemplateRaw, type Manifest, renderNotes, serviceEnvOf } from './helm.js';

const SCENARIO = 'catchup-lockdown-values.yaml';
/** The least catch-up needs, the password in the chart's Secret. */
const CATCHUP = {
  'catchup.enabled': true,
  'catchup.url': 'https://nextcloud.example.org',
  'catchup.username': 'webhooks-reader',
  'catchup.password': 'app-password-1',
};
/** Every variable catch-up may set; TRACK_PREVIOUS_STATE is the service's own too. */
const CATCHUP_CONFIG = [
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
];

const configOf = (docs: Manifest[]) => findOne(docs, 'ConfigMap', FULLNAME).data as Record<string, string>;
const egressOf = (docs: Manifest[]) => findOne(docs, 'NetworkPolicy').spec.egress as Manifest[];
const decoded = (docs: Manifest[]) =>
  Object.fromEntries(Object.entries((findOne(docs, 'Secret').data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

/** Renders with a values file written for the test (numbers in a file reach templates as float64). */
function renderWithValuesFile(yaml: string): Manifest[] {
  const dir = mkdtempSync(join(tmpdir(), 'chart-catchup-'));
  try {
    writeFileSync(join(dir, 'values.yaml'), yaml);
    return helmTemplate([join(dir, 'values.yaml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('catch-up off (the default)', () => {
  it('renders none of its variables, no password and no egress rule', () => {
    for (const docs of [helmTemplate(), helmTemplate([], { ...CATCHUP, 'catchup.enabled': false, 'networkPolicy.allowExternalEgress': false })]) {
      const config = configOf(docs);
      expect(CATCHUP_CONFIG.filter((name) => name in config)).toEqual([]);
      expect(decoded(docs)).not.toHaveProperty('OPENREGISTER_PASSWORD');
      expect(serviceEnvOf(docs).map((e) => e.name)).not.toContain('OPENREGISTER_PASSWORD');
      expect(JSON.stringify(docs)).not.toContain('nextcloud.example.org');
    }
    expect(egressOf(helmTemplate([], { 'networkPolicy.allowExternalEgress': false }))).toHaveLength(1);
  });

  it('reads no password key from an existingSecret', () => {
    const docs = helmTemplate(['existing-secret-values.yaml']);
    expect(serviceEnvOf(docs).map((e) => e.name)).not.toContain('OPENREGISTER_PASSWORD');
  });
});

describe('catch-up on', () => {
  it("renders its variables with the service's defaults, and no list it was not given", () => {
    const config = configOf(helmTemplate([], CATCHUP));
    expect(Object.fromEntries(CATCHUP_CONFIG.filter((name) => name in config).map((name) => [name, config[name]]))).toEqual({
      OPENREGISTER_URL: 'https://nextcloud.example.org',
      OPENREGISTER_USERNAME: 'webhooks-reader',
      OPENREGISTER_TIMEOUT_MS: '10000',
      CATCHUP_INTERVAL_SECONDS: '30',
      CATCHUP_FROM: 'now',
      CATCHUP_SOURCE: 'auto',
      CATCHUP_PAGE_SIZE: '500',
      CATCHUP_LEASE_SECONDS: '60',
    });
  });

  it.each([
    ['catchup.url', 'https://cloud.example.org:8443/nextcloud', 'OPENREGISTER_URL', 'https://cloud.example.org:8443/nextcloud'],
    ['catchup.username', 'reader2', 'OPENREGISTER_USERNAME', 'reader2'],
    ['catchup.timeoutMs', 2500, 'OPENREGISTER_TIMEOUT_MS', '2500'],
    ['catchup.intervalSeconds', 120, 'CATCHUP_INTERVAL_SECONDS', '120'],
    ['catchup.from', 'oldest', 'CATCHUP_FROM', 'oldest'],
    ['catchup.from', 4711, 'CATCHUP_FROM', '4711'],
    ['catchup.source', 'audit-trail', 'CATCHUP_SOURCE', 'audit-trail'],
    ['catchup.source', 'feed', 'CATCHUP_SOURCE', 'feed'],
    ['catchup.registers', '{publications,5}', 'CATCHUP_REGISTERS', 'publications,5'],
    ['catchup.schemas', '{publication,12}', 'CATCHUP_SCHEMAS', 'publication,12'],
    ['catchup.pageSize', 1000, 'CATCHUP_PAGE_SIZE', '1000'],
    ['catchup.leaseSeconds', 90, 'CATCHUP_LEASE_SECONDS', '90'],
    ['catchup.trackPreviousState', false, 'TRACK_PREVIOUS_STATE', 'false'],
    ['catchup.trackPreviousState', true, 'TRACK_PREVIOUS_STATE', 'true'],
  ])('%s=%s sets %s', (path, value, variable, rendered) => {
    expect(configOf(helmTemplate([], { ...CATCHUP, [path]: value }))[variable]).toBe(rendered);
  });

  it('prints numbers from a values file whole (cursors and ids are not 1e+06)', () => {
    const config = configOf(
      renderWithValuesFile(
        [
          'catchup:',
          '  enabled: true',
          '  url: https://nextcloud.example.org',
          '  username: reader',
          '  password: pw',
          '  from: 12345678',
          '  registers: [1000000, publications]',
          '  schemas: [2000000]',
          '  pageSize: 1000',
          '  timeoutMs: 1000000',
        ].join('\n'),
      ),
    );
    expect(config).toEqual(
      expect.objectContaining({ CATCHUP_FROM: '12345678', CATCHUP_REGISTERS: '1000000,publications', CATCHUP_SCHEMAS: '2000000', OPENREGISTER_TIMEOUT_MS: '1000000' }),
    );
  });

  it('renders TRACK_PREVIOUS_STATE once set, even with catch-up off (the service honours it alone), and not while null', () => {
    expect(configOf(helmTemplate([], { 'catchup.trackPreviousState': true })).TRACK_PREVIOUS_STATE).toBe('true');
    expect(configOf(helmTemplate([], { 'catchup.trackPreviousState': true })).OPENREGISTER_URL).toBeUndefined();
    expect(configOf(helmTemplate([], CATCHUP))).not.toHaveProperty('TRACK_PREVIOUS_STATE');
  });
});

describe('the app password', () => {
  it("is kept in the chart's Secret and read from it, never in the ConfigMap", () => {
    const docs = helmTemplate([], CATCHUP);
    expect(decoded(docs).OPENREGISTER_PASSWORD).toBe('app-password-1');
    expect(serviceEnvOf(docs).find((e) => e.name === 'OPENREGISTER_PASSWORD')).toEqual({
      name: 'OPENREGISTER_PASSWORD',
      valueFrom: { secretKeyRef: { name: FULLNAME, key: 'OPENREGISTER_PASSWORD' } },
    });
    expect(JSON.stringify(configOf(docs))).not.toContain('app-password-1');
    expect(configOf(docs)).not.toHaveProperty('OPENREGISTER_PASSWORD');
  });

  it('changes checksum/secret (the pods roll onto a new password), not checksum/config', () => {
    const annotations = (password: string) => findOne(helmTemplate([], { ...CATCHUP, 'catchup.password': password }), 'Deployment').spec.template.metadata.annotations;
    const [before, after] = [annotations('app-password-1'), annotations('app-password-2')];
    expect(after['checksum/secret']).not.toBe(before['checksum/secret']);
    expect(after['checksum/config']).toBe(before['checksum/config']);
  });

  it('comes from the configured key of an existingSecret, required (not optional), and no Secret is made', () => {
    const docs = helmTemplate([SCENARIO]);
    expect(findAll(docs, 'Secret')).toHaveLength(0);
    expect(serviceEnvOf(docs).find((e) => e.name === 'OPENREGISTER_PASSWORD')).toEqual({
      name: 'OPENREGISTER_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'openregister-webhooks-credentials', key: 'nextcloud-app-password' } },
    });
    const defaultKey = helmTemplate([], { ...CATCHUP, 'catchup.password': '', 'secrets.existingSecret': 'creds' });
    expect(serviceEnvOf(defaultKey).find((e) => e.name === 'OPENREGISTER_PASSWORD')?.valueFrom.secretKeyRef).toEqual({ name: 'creds', key: 'OPENREGISTER_PASSWORD' });
  });
});

describe('NetworkPolicy egress to OpenRegister', () => {
  it("opens 443 and the URL's own port, to the given peers, when egress is locked down", () => {
    expect(egressOf(helmTemplate([SCENARIO]))).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '203.0.113.0/24' } }] },
    ]);
  });

  it.each([
    ['https:// without a port', 'https://nextcloud.example.org', [443]],
    ['https:// on 443', 'https://nextcloud.example.org:443/', [443]],
    ['http:// without a port', 'http://nextcloud.internal', [443, 80]],
    ['http:// with a port and a path', 'http://nextcloud.nextcloud.svc:8080/index.php/apps/openregister/api', [443, 8080]],
    ['an IPv6 address', 'https://[2001:db8::1]:9443', [443, 9443]],
  ])('%s: ports %j, to any destination', (_label, url, ports) => {
    const egress = egressOf(helmTemplate([], { ...CATCHUP, 'catchup.url': url, 'networkPolicy.allowExternalEgress': false }));
    expect(egress).toHaveLength(2);
    expect(egress[1]).toEqual({ ports: ports.map((port) => ({ port, protocol: 'TCP' })) });
  });

  it('adds nothing when all egress is allowed (the default)', () => {
    expect(egressOf(helmTemplate([], CATCHUP))).toEqual([{}]);
  });

  it('comes before extraEgress, beside the database rule', () => {
    const egress = egressOf(helmTemplate(['postgres-hpa-existing-secret-values.yaml'], { ...CATCHUP, 'catchup.password': '' }));
    expect(egress.map((rule) => (rule.ports as Manifest[]).map((p) => p.port))).toEqual([[53, 53], [5432], [443], [443]]);
  });
});

describe('values.schema.json refuses bad catch-up values', () => {
  it.each([
    ['an unknown source', 'catchup.source=poll', /source.*one of/i],
    ['a page larger than OpenRegister serves', 'catchup.pageSize=1001', /pageSize.*less than or equal to 1000/i],
    ['a page of nothing', 'catchup.pageSize=0', /pageSize.*greater than or equal to 1/i],
    ['an interval of zero', 'catchup.intervalSeconds=0', /intervalSeconds.*greater than or equal to 1/i],
    ['a lease of zero', 'catchup.leaseSeconds=0', /leaseSeconds.*greater than or equal to 1/i],
    ['a timeout of zero', 'catchup.timeoutMs=0', /timeoutMs.*greater than or equal to 1/i],
    ['a start that is neither now, oldest nor a cursor', 'catchup.from=yesterday', /from/],
    ['a negative cursor', 'catchup.from=-1', /from/],
    ['a URL that is not http(s)', 'catchup.url=ftp://nextcloud.example.org', /url/],
    ['a URL without a scheme', 'catchup.url=nextcloud.example.org', /url/],
    ['a register with a comma in it', 'catchup.registers={a\\,b}', /registers/],
    ['trackPreviousState as a word', 'catchup.trackPreviousState=yes', /trackPreviousState.*Invalid type/i],
    ['an unknown catch-up key', 'catchup.interval=30', /Additional property interval is not allowed/],
    ['a lag threshold of zero', 'metrics.prometheusRule.catchupLagThresholdSeconds=0', /catchupLagThresholdSeconds/],
    ['an empty key for the password in an existingSecret', 'secrets.existingSecretKeys.openregisterPassword=', /openregisterPassword/],
  ])('%s (%s)', (_label, set, message) => {
    const result = helmTemplateRaw([], [set]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(result.stderr).toMatch(message);
  });
});

describe('NOTES.txt', () => {
  it('says catch-up is on, where it reads, as whom, and where the password comes from', () => {
    const notes = renderNotes([SCENARIO]);
    expect(notes).toMatch(/Catch-up is on: every 60 s one pod reads OpenRegister's changes \(source feed\)\s+at https:\/\/nextcloud\.example\.org:8443 as webhooks-reader/);
    expect(notes).toContain('key nextcloud-app-password of the Secret openregister-webhooks-credentials');
    expect(notes).toContain('webhook_catchup_lag_seconds');
    expect(renderNotes([], CATCHUP)).toContain(`key OPENREGISTER_PASSWORD of the Secret ${FULLNAME}`);
  });

  it('suggests catch-up when it is off, and never prints the password', () => {
    expect(renderNotes()).toMatch(/catchup\.enabled=true/);
    expect(renderNotes()).not.toMatch(/Catch-up is on/);
    expect(renderNotes([], CATCHUP)).not.toContain('app-password-1');
  });
});
