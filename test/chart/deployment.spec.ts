/**
 * The Deployment the chart renders: restricted security, probes, secret and config wiring,
 * the V8 heap ceiling, checksums that roll the pods, replicas versus HPA, shutdown timing and volumes.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHUTDOWN_MARGIN_IN_MS } from '../../src/health/shutdown-deadline.js';
import { FULLNAME, findAll, findOne, helmTemplate, type Manifest, mainContainer, serviceEnvOf } from './helm.js';

const deploymentOf = (docs: Manifest[]) => findOne(docs, 'Deployment');
const podSpecOf = (docs: Manifest[]) => deploymentOf(docs).spec.template.spec as Manifest;
const envOf = (docs: Manifest[]) => (mainContainer(docs).env ?? []) as Manifest[];

describe('security (restricted Pod Security Standard)', () => {
  it.each([
    ['default values', [] as string[]],
    ['the persistence and lockdown scenario', ['persistence-lockdown-values.yaml']],
    ['the postgres HPA scenario', ['postgres-hpa-existing-secret-values.yaml']],
  ])('pod and container security contexts are restricted with %s', (_label, files) => {
    const docs = helmTemplate(files);
    const pod = podSpecOf(docs);
    expect(pod.securityContext).toEqual(
      expect.objectContaining({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      }),
    );
    for (const container of pod.containers as Manifest[]) {
      expect(container.securityContext).toEqual(
        expect.objectContaining({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      );
      expect(container.securityContext.capabilities.add).toBeUndefined();
    }
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.hostPID).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('gives the pods a ServiceAccount that mounts no API token', () => {
    const docs = helmTemplate();
    const sa = findOne(docs, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(podSpecOf(docs).serviceAccountName).toBe(sa.metadata.name);
  });
});

describe('probes', () => {
  it('startup and liveness ask /health/live, readiness /health/ready, all on the named port http', () => {
    const docs = helmTemplate();
    const container = mainContainer(docs);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(probe.enabled).toBeUndefined();
      expect(probe.periodSeconds).toBeGreaterThan(0);
    }
  });

  it('follows containerPort into the port, PORT and the Service target', () => {
    const docs = helmTemplate([], { containerPort: 8080 });
    expect(mainContainer(docs).ports[0]).toEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    expect(findOne(docs, 'ConfigMap').data.PORT).toBe('8080');
    expect(findOne(docs, 'Service').spec.ports[0].targetPort).toBe('http');
  });

  it('can switch a probe off', () => {
    const container = mainContainer(helmTemplate([], { 'startupProbe.enabled': false }));
    expect(container.startupProbe).toBeUndefined();
    expect(container.livenessProbe).toBeDefined();
  });
});

describe('secret wiring', () => {
  it("reads secrets from the chart's own Secret, key by key", () => {
    const docs = helmTemplate(['ingress-tls-servicemonitor-values.yaml'], [], {
      apiVersions: ['monitoring.coreos.com/v1'],
    });
    const secret = findOne(docs, 'Secret');
    expect(secret.metadata.name).toBe(FULLNAME);
    const decoded = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(decoded).toEqual({
      WEBHOOK_SECRETS: 'ci-signing-secret-new,ci-signing-secret-old',
      WEBHOOK_TOKENS: 'ci-nextcloud-token',
    });
    expect(serviceEnvOf(docs)).toEqual([
      { name: 'WEBHOOK_SECRETS', valueFrom: { secretKeyRef: { name: FULLNAME, key: 'WEBHOOK_SECRETS' } } },
      { name: 'WEBHOOK_TOKENS', valueFrom: { secretKeyRef: { name: FULLNAME, key: 'WEBHOOK_TOKENS' } } },
    ]);
  });

  it('reads every secret from an existingSecret with the configured keys, and makes no Secret', () => {
    const docs = helmTemplate(['existing-secret-values.yaml']);
    expect(findAll(docs, 'Secret')).toHaveLength(0);
    const name = 'openregister-webhooks-credentials';
    const ref = (key: string) => ({ secretKeyRef: { name, key, optional: true } });
    // sqlite: no DATABASE_URL, though the key is named.
    expect(serviceEnvOf(docs)).toEqual([
      { name: 'WEBHOOK_SECRETS', valueFrom: ref('hmac-secrets') },
      { name: 'WEBHOOK_TOKENS', valueFrom: ref('bearer-tokens') },
      { name: 'ADMIN_TOKEN', valueFrom: ref('admin-token') },
      { name: 'FORWARD_SECRET', valueFrom: ref('forward-secret') },
    ]);
  });

  it('reads DATABASE_URL from a key of the existingSecret with postgres, required (not optional)', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml']);
    expect(findAll(docs, 'Secret')).toHaveLength(0);
    expect(serviceEnvOf(docs).find((e) => e.name === 'DATABASE_URL')).toEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'openregister-webhooks-credentials', key: 'database-url' } },
    });
    const defaultKey = helmTemplate([], { 'store.driver': 'postgres', 'secrets.existingSecret': 'creds' });
    expect(serviceEnvOf(defaultKey).find((e) => e.name === 'DATABASE_URL')?.valueFrom.secretKeyRef).toEqual({
      name: 'creds',
      key: 'DATABASE_URL',
    });
  });

  it('keeps secrets out of the ConfigMap and reads the ConfigMap with envFrom', () => {
    const docs = helmTemplate([], {
      'secrets.webhookSecrets': '{s3cret-one}',
      'secrets.adminToken': 'adm1n',
      'secrets.forwardSecret': 'f0rward',
      'store.driver': 'postgres',
      'store.postgres.url': 'postgres://orw:pw@db:5432/orw',
    });
    const configMap = findOne(docs, 'ConfigMap');
    const text = JSON.stringify(configMap.data);
    for (const secret of ['s3cret-one', 'adm1n', 'f0rward', 'postgres://']) expect(text).not.toContain(secret);
    for (const key of ['WEBHOOK_SECRETS', 'WEBHOOK_TOKENS', 'ADMIN_TOKEN', 'FORWARD_SECRET', 'DATABASE_URL']) {
      expect(configMap.data[key]).toBeUndefined();
    }
    expect(mainContainer(docs).envFrom).toEqual([{ configMapRef: { name: FULLNAME } }]);
    expect(serviceEnvOf(docs).map((e) => e.name)).toEqual(['WEBHOOK_SECRETS', 'ADMIN_TOKEN', 'FORWARD_SECRET', 'DATABASE_URL']);
    expect(serviceEnvOf(docs).at(-1)).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: FULLNAME, key: 'DATABASE_URL' } } });
  });

  it('keeps a store.postgres.url out of the Secret and the env when the store is not postgres', () => {
    const docs = helmTemplate(['default-values.yaml'], { 'store.postgres.url': 'postgres://orw:pw@db:5432/orw' });
    expect(findOne(docs, 'Secret').data).not.toHaveProperty('DATABASE_URL');
    expect(serviceEnvOf(docs).map((e) => e.name)).toEqual(['WEBHOOK_SECRETS']);
  });

  it('generates a webhook secret when nothing else would authenticate deliveries', () => {
    const docs = helmTemplate();
    const value = Buffer.from(findOne(docs, 'Secret').data.WEBHOOK_SECRETS, 'base64').toString();
    expect(value).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(serviceEnvOf(docs).map((e) => e.name)).toEqual(['WEBHOOK_SECRETS']);
  });

  it('generates nothing when unauthenticated deliveries are allowed on purpose', () => {
    // No memory limit either, so the chart sets no NODE_OPTIONS and `env` is empty as a whole.
    const docs = helmTemplate([], { 'config.webhook.allowUnauthenticated': true, 'resources.limits': 'null' });
    expect(findOne(docs, 'Secret').data ?? {}).toEqual({});
    expect(mainContainer(docs).env).toBeUndefined();
    expect(findOne(docs, 'ConfigMap').data.WEBHOOK_ALLOW_UNAUTHENTICATED).toBe('true');
  });

  it('appends extraEnv after the secrets, so it can override the ConfigMap', () => {
    const docs = helmTemplate(['default-values.yaml'], ['extraEnv[0].name=NODE_OPTIONS', 'extraEnv[0].value=--max-old-space-size=384']);
    expect(envOf(docs).at(-1)).toEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' });
  });
});

describe('V8 heap ceiling (NODE_OPTIONS=--max-old-space-size)', () => {
  const nodeOptionsOf = (docs: Manifest[]) => envOf(docs).filter((e) => e.name === 'NODE_OPTIONS');
  const ceiling = (mib: number) => [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${mib}` }];

  it('is half the default memory limit (512Mi) with default values', () => {
    const docs = helmTemplate();
    expect(mainContainer(docs).resources.limits.memory).toBe('512Mi');
    expect(nodeOptionsOf(docs)).toEqual(ceiling(256));
  });

  it.each([
    ['1Gi', 512],
    ['768M', 366], // 768e6 bytes = 732.4 MiB, halved and floored
    ['2G', 953],
    ['300Mi', 150],
  ])('is half of a %s limit in MiB: %i', (limit, mib) => {
    expect(nodeOptionsOf(helmTemplate([], { 'resources.limits.memory': limit }))).toEqual(ceiling(mib));
  });

  it('takes an explicit maxHeapMiB over the derived one', () => {
    expect(nodeOptionsOf(helmTemplate([], { maxHeapMiB: 300 }))).toEqual(ceiling(300));
    expect(nodeOptionsOf(helmTemplate([], { maxHeapMiB: 300, 'resources.limits': 'null' }))).toEqual(ceiling(300));
  });

  it('prints a maxHeapMiB from a values file whole (YAML numbers reach the templates as float64)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-heap-'));
    try {
      const file = join(dir, 'values.yaml');
      writeFileSync(file, 'maxHeapMiB: 1000000\n');
      expect(nodeOptionsOf(helmTemplate([file]))).toEqual(ceiling(1_000_000));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['no limits at all', { 'resources.limits': 'null' }],
    ['a limit with no memory', { 'resources.limits.memory': 'null', 'resources.limits.cpu': '1' }],
    ['a memory limit in bytes', { 'resources.limits.memory': 536870912 }],
    ['a fractional memory limit', { 'resources.limits.memory': '1.5Gi' }],
    ['a memory limit in Ki', { 'resources.limits.memory': '524288Ki' }],
  ])('is left to Node with %s and no maxHeapMiB', (_label, set) => {
    expect(nodeOptionsOf(helmTemplate(['default-values.yaml'], set))).toEqual([]);
  });

  it("is left to the user's NODE_OPTIONS in extraEnv: the chart adds none, even with maxHeapMiB", () => {
    const user = { name: 'NODE_OPTIONS', value: '--max-old-space-size=384 --enable-source-maps' };
    for (const set of [[], ['maxHeapMiB=300']]) {
      const docs = helmTemplate([], [...set, 'extraEnv[0].name=NODE_OPTIONS', `extraEnv[0].value=${user.value}`]);
      expect(nodeOptionsOf(docs)).toEqual([user]);
      const names = envOf(docs).map((e) => e.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('sits between the secrets and extraEnv', () => {
    const docs = helmTemplate(['default-values.yaml'], ['extraEnv[0].name=EXTRA', 'extraEnv[0].value=1']);
    expect(envOf(docs).map((e) => e.name)).toEqual(['WEBHOOK_SECRETS', 'NODE_OPTIONS', 'EXTRA']);
  });
});

describe('checksum annotations roll the pods when config or secrets change', () => {
  const annotations = (docs: Manifest[]) => deploymentOf(docs).spec.template.metadata.annotations as Record<string, string>;

  it('are sha256 digests of the ConfigMap and the Secret', () => {
    const a = annotations(helmTemplate(['default-values.yaml']));
    expect(a['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    expect(a['checksum/secret']).toMatch(/^[a-f0-9]{64}$/);
  });

  it('are stable when nothing changes', () => {
    expect(annotations(helmTemplate(['default-values.yaml']))).toEqual(annotations(helmTemplate(['default-values.yaml'])));
  });

  it('checksum/config changes with a config value, checksum/secret does not', () => {
    const before = annotations(helmTemplate(['default-values.yaml']));
    const after = annotations(helmTemplate(['default-values.yaml'], { 'config.logLevel': 'debug' }));
    expect(after['checksum/config']).not.toBe(before['checksum/config']);
    expect(after['checksum/secret']).toBe(before['checksum/secret']);
  });

  it('checksum/secret changes with a secret value, checksum/config does not', () => {
    const before = annotations(helmTemplate(['default-values.yaml']));
    const after = annotations(helmTemplate(['default-values.yaml'], { 'secrets.webhookSecrets': '{rotated-secret}' }));
    expect(after['checksum/secret']).not.toBe(before['checksum/secret']);
    expect(after['checksum/config']).toBe(before['checksum/config']);
  });

  it('checksum/secret follows the existingSecret name and keys', () => {
    const before = annotations(helmTemplate(['existing-secret-values.yaml']));
    const after = annotations(helmTemplate(['existing-secret-values.yaml'], { 'secrets.existingSecret': 'other' }));
    expect(after['checksum/secret']).not.toBe(before['checksum/secret']);
  });
});

describe('replicas and autoscaling', () => {
  it('sets replicas when autoscaling is off', () => {
    const docs = helmTemplate();
    expect(deploymentOf(docs).spec.replicas).toBe(1);
    expect(findAll(docs, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('leaves replicas to the HPA when autoscaling is on', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml']);
    const deployment = deploymentOf(docs);
    expect(deployment.spec).not.toHaveProperty('replicas');
    const hpa = findOne(docs, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(6);
    expect(hpa.spec.metrics.map((m: Manifest) => m.resource.name)).toEqual(['cpu', 'memory']);
  });
});

describe('shutdown', () => {
  it.each([
    ['default values', [] as string[]],
    ['inline mode with a longer drain', ['inline-mode-values.yaml']],
  ])('terminationGracePeriodSeconds covers SHUTDOWN_GRACE_MS and the shutdown margin with %s', (_label, files) => {
    const docs = helmTemplate(files);
    const drainMs = Number(findOne(docs, 'ConfigMap').data.SHUTDOWN_GRACE_MS);
    const graceSeconds = podSpecOf(docs).terminationGracePeriodSeconds as number;
    expect(drainMs).toBeGreaterThan(0);
    expect(graceSeconds * 1000).toBeGreaterThanOrEqual(drainMs + SHUTDOWN_MARGIN_IN_MS);
  });

  it('renders a preStop hook from lifecycle', () => {
    const container = mainContainer(helmTemplate(['persistence-lockdown-values.yaml']));
    expect(container.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
  });

  it('pauses a stopping postgres pod 10 s (preStop sleep) so it leaves the endpoints before the server closes', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml']);
    expect(mainContainer(docs).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    // The grace period covers the pause, the drain and the service's margin after it.
    const drainMs = Number(findOne(docs, 'ConfigMap').data.SHUTDOWN_GRACE_MS);
    expect((podSpecOf(docs).terminationGracePeriodSeconds as number) * 1000).toBeGreaterThanOrEqual(10_000 + drainMs + SHUTDOWN_MARGIN_IN_MS);
  });

  it('takes preStopSleepSeconds, none at 0, and no pause by default for sqlite and memory', () => {
    const postgres = { 'store.driver': 'postgres', 'store.postgres.url': 'postgres://db/orw' };
    expect(mainContainer(helmTemplate([], { ...postgres, preStopSleepSeconds: 5 })).lifecycle).toEqual({
      preStop: { exec: { command: ['sleep', '5'] } },
    });
    expect(mainContainer(helmTemplate([], { ...postgres, preStopSleepSeconds: 0 })).lifecycle).toBeUndefined();
    expect(mainContainer(helmTemplate([], { preStopSleepSeconds: 3 })).lifecycle).toEqual({
      preStop: { exec: { command: ['sleep', '3'] } },
    });
    for (const driver of ['sqlite', 'memory']) {
      expect(mainContainer(helmTemplate([], { 'store.driver': driver })).lifecycle).toBeUndefined();
    }
  });

  it("lets a preStop in lifecycle replace the chart's pause, and keeps other hooks beside it", () => {
    const postgres = ['store.driver=postgres', 'store.postgres.url=postgres://db/orw'];
    const own = helmTemplate([], [...postgres, 'lifecycle.preStop.exec.command={/bin/drain}']);
    expect(mainContainer(own).lifecycle).toEqual({ preStop: { exec: { command: ['/bin/drain'] } } });
    const beside = helmTemplate([], [...postgres, 'lifecycle.postStart.exec.command={/bin/warm}']);
    expect(mainContainer(beside).lifecycle).toEqual({
      postStart: { exec: { command: ['/bin/warm'] } },
      preStop: { exec: { command: ['sleep', '10'] } },
    });
  });
});

describe('volumes and update strategy', () => {
  const volumes = (docs: Manifest[]) => Object.fromEntries((podSpecOf(docs).volumes as Manifest[]).map((v) => [v.name, v]));
  const mounts = (docs: Manifest[]) =>
    Object.fromEntries((mainContainer(docs).volumeMounts as Manifest[]).map((m) => [m.name, m.mountPath]));

  it('mounts an emptyDir at /tmp and the data dir from an emptyDir when persistence is off', () => {
    const docs = helmTemplate();
    expect(mounts(docs)).toEqual({ data: '/data', tmp: '/tmp' });
    expect(volumes(docs).data).toEqual({ name: 'data', emptyDir: {} });
    expect(volumes(docs).tmp.emptyDir).toBeDefined();
    expect(findOne(docs, 'ConfigMap').data.DATA_DIR).toBe('/data');
    expect(findAll(docs, 'PersistentVolumeClaim')).toHaveLength(0);
    expect(deploymentOf(docs).spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('mounts the data dir from a PVC when persistence is on, and recreates the single sqlite writer', () => {
    const docs = helmTemplate(['persistence-lockdown-values.yaml']);
    const pvc = findOne(docs, 'PersistentVolumeClaim');
    expect(pvc.spec.resources.requests.storage).toBe('5Gi');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(volumes(docs).data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: pvc.metadata.name } });
    expect(mounts(docs).data).toBe('/data');
    expect(deploymentOf(docs).spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('uses an existing claim without making one', () => {
    const docs = helmTemplate([], { 'persistence.enabled': true, 'persistence.existingClaim': 'my-data' });
    expect(findAll(docs, 'PersistentVolumeClaim')).toHaveLength(0);
    expect(volumes(docs).data.persistentVolumeClaim).toEqual({ claimName: 'my-data' });
  });

  it('keeps the sqlite default a single pod on a ReadWriteOnce PVC, recreated on updates', () => {
    const docs = helmTemplate(['sqlite-single-pod-values.yaml']);
    expect(deploymentOf(docs).spec.replicas).toBe(1);
    expect(findAll(docs, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(findOne(docs, 'PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(deploymentOf(docs).spec.strategy).toEqual({ type: 'Recreate' });
    expect(findOne(docs, 'ConfigMap').data.STORE_DRIVER).toBe('sqlite');
  });

  it('recreates a sqlite pod on a ReadWriteMany volume too: the service locks DATA_DIR for its life', () => {
    const docs = helmTemplate([], { 'persistence.enabled': true, 'persistence.accessModes': '{ReadWriteMany}' });
    expect(deploymentOf(docs).spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('rolls postgres pods with maxUnavailable 0, on no volume but an emptyDir', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml']);
    expect(deploymentOf(docs).spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(findAll(docs, 'PersistentVolumeClaim')).toHaveLength(0);
    expect(volumes(docs).data).toEqual({ name: 'data', emptyDir: {} });
  });

  it('spreads postgres pods over nodes unless told otherwise', () => {
    const docs = helmTemplate(['postgres-hpa-existing-secret-values.yaml']);
    expect(podSpecOf(docs).topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: deploymentOf(docs).spec.selector.matchLabels },
      },
    ]);
    expect(podSpecOf(helmTemplate()).topologySpreadConstraints).toBeUndefined();
    const own = helmTemplate(['postgres-hpa-existing-secret-values.yaml'], ['topologySpreadConstraints[0].maxSkew=2', 'topologySpreadConstraints[0].topologyKey=zone', 'topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule']);
    expect(podSpecOf(own).topologySpreadConstraints).toEqual([{ maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }]);
  });
});
