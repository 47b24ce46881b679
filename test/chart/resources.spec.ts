/**
 * The objects around the Deployment: Service, Ingress, PodDisruptionBudget, NetworkPolicy,
 * ServiceMonitor, the `helm test` pod and NOTES.txt.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CI_DIR, FULLNAME, findAll, findOne, helmTemplate, type Manifest, renderNotes } from './helm.js';

const podLabelsOf = (docs: Manifest[]) => findOne(docs, 'Deployment').spec.template.metadata.labels as Record<string, string>;

/** True when a matchLabels selector selects pods with these labels. */
function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

const SM = { apiVersions: ['monitoring.coreos.com/v1'] };

describe('selectors match the Deployment pods', () => {
  it.each([
    ['default values', [] as string[]],
    ['the postgres HPA scenario', ['postgres-hpa-existing-secret-values.yaml']],
    ['the lockdown scenario', ['persistence-lockdown-values.yaml']],
  ])('Deployment, Service, PodDisruptionBudget and NetworkPolicy agree with %s', (_label, files) => {
    const docs = helmTemplate(files);
    const labels = podLabelsOf(docs);
    const deployment = findOne(docs, 'Deployment');
    expect(selects(deployment.spec.selector.matchLabels, labels)).toBe(true);
    expect(selects(findOne(docs, 'Service').spec.selector, labels)).toBe(true);
    expect(selects(findOne(docs, 'PodDisruptionBudget').spec.selector.matchLabels, labels)).toBe(true);
    expect(selects(findOne(docs, 'NetworkPolicy').spec.podSelector.matchLabels, labels)).toBe(true);
  });

  it('selects pods of this release only, not every release of the chart', () => {
    const matchLabels = findOne(helmTemplate(), 'Deployment').spec.selector.matchLabels;
    expect(matchLabels).toEqual({
      'app.kubernetes.io/name': 'openregister-webhooks',
      'app.kubernetes.io/instance': 'orw',
    });
  });

  it('keeps the `helm test` pod out of the Service, the PDB and the NetworkPolicy selectors', () => {
    const docs = helmTemplate();
    const testPod = findOne(docs, 'Pod');
    expect(selects(findOne(docs, 'Service').spec.selector, testPod.metadata.labels)).toBe(false);
    expect(selects(findOne(docs, 'PodDisruptionBudget').spec.selector.matchLabels, testPod.metadata.labels)).toBe(false);
  });
});

describe('Service and Ingress', () => {
  it('the Service targets the named port http', () => {
    const service = findOne(helmTemplate(), 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('no Ingress by default', () => {
    expect(findAll(helmTemplate(), 'Ingress')).toHaveLength(0);
  });

  it('the Ingress serves /webhooks over TLS to the Service', () => {
    const docs = helmTemplate(['ingress-tls-servicemonitor-values.yaml'], [], SM);
    const ingress = findOne(docs, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt',
      'nginx.ingress.kubernetes.io/proxy-body-size': '5m',
    });
    expect(ingress.spec.tls).toEqual([{ hosts: ['webhooks.example.org'], secretName: 'webhooks-example-org-tls' }]);
    expect(ingress.spec.rules).toEqual([
      {
        host: 'webhooks.example.org',
        http: {
          paths: [
            {
              path: '/webhooks',
              pathType: 'Prefix',
              backend: { service: { name: FULLNAME, port: { name: 'http' } } },
            },
          ],
        },
      },
    ]);
    expect(findOne(docs, 'Service').metadata.name).toBe(FULLNAME);
  });
});

describe('PodDisruptionBudget', () => {
  it('lets a single replica be evicted (maxUnavailable 1) so node drains never block', () => {
    const pdb = findOne(helmTemplate(), 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeUndefined();
  });

  it('keeps one pod through drains and evictions when several run on postgres (minAvailable 1)', () => {
    const postgres = { 'store.driver': 'postgres', 'store.postgres.url': 'postgres://db/orw' };
    for (const docs of [
      helmTemplate(['postgres-hpa-existing-secret-values.yaml']),
      helmTemplate([], { ...postgres, replicaCount: 3 }),
    ]) {
      const pdb = findOne(docs, 'PodDisruptionBudget');
      expect(pdb.spec.minAvailable).toBe(1);
      expect(pdb.spec.maxUnavailable).toBeUndefined();
    }
    // A single postgres pod (or an HPA that may scale to one) must stay evictable.
    expect(findOne(helmTemplate([], postgres), 'PodDisruptionBudget').spec).toEqual(expect.objectContaining({ maxUnavailable: 1 }));
    const hpaDownToOne = helmTemplate([], { ...postgres, 'autoscaling.enabled': true, 'autoscaling.minReplicas': 1 });
    expect(findOne(hpaDownToOne, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  it('uses minAvailable or maxUnavailable when it is set', () => {
    const min = findOne(helmTemplate([], { 'podDisruptionBudget.minAvailable': '50%' }), 'PodDisruptionBudget');
    expect(min.spec).toEqual(expect.objectContaining({ minAvailable: '50%' }));
    expect(min.spec.maxUnavailable).toBeUndefined();
    const max = findOne(helmTemplate(['postgres-hpa-existing-secret-values.yaml'], { 'podDisruptionBudget.maxUnavailable': 2 }), 'PodDisruptionBudget');
    expect(max.spec).toEqual(expect.objectContaining({ maxUnavailable: 2 }));
    expect(max.spec.minAvailable).toBeUndefined();
  });

  it('can be switched off', () => {
    expect(findAll(helmTemplate([], { 'podDisruptionBudget.enabled': false }), 'PodDisruptionBudget')).toHaveLength(0);
  });
});

describe('NetworkPolicy', () => {
  it('admits anyone to the http port only, and allows egress, by default', () => {
    const policy = findOne(helmTemplate(), 'NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(policy.spec.egress).toEqual([{}]);
  });

  it('admits only labelled clients and the listed peers when locked down, with DNS egress', () => {
    const policy = findOne(helmTemplate(['persistence-lockdown-values.yaml']), 'NetworkPolicy');
    expect(policy.spec.ingress).toEqual([
      {
        ports: [{ port: 'http', protocol: 'TCP' }],
        from: [
          { podSelector: { matchLabels: { [`${FULLNAME}-client`]: 'true' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
        ],
      },
    ]);
    expect(policy.spec.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    expect(policy.spec.egress[1].ports).toEqual([{ port: 443, protocol: 'TCP' }]);
  });

  it('opens egress to the database port with postgres, to the given peers', () => {
    const policy = findOne(helmTemplate(['postgres-hpa-existing-secret-values.yaml']), 'NetworkPolicy');
    expect(policy.spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      {
        ports: [{ port: 5432, protocol: 'TCP' }],
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgresql' } },
          },
        ],
      },
      { ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
  });

  it('opens the configured database port to any destination when no peer is given, and none without postgres', () => {
    const set = { 'networkPolicy.allowExternalEgress': false, 'store.driver': 'postgres', 'store.postgres.url': 'postgres://db:6432/orw', 'store.postgres.port': 6432 };
    expect(findOne(helmTemplate([], set), 'NetworkPolicy').spec.egress[1]).toEqual({ ports: [{ port: 6432, protocol: 'TCP' }] });
    const sqlite = findOne(helmTemplate([], { 'networkPolicy.allowExternalEgress': false }), 'NetworkPolicy');
    expect(sqlite.spec.egress).toHaveLength(1);
  });

  it('lets the `helm test` pod through a locked-down policy', () => {
    const docs = helmTemplate(['persistence-lockdown-values.yaml']);
    const from = findOne(docs, 'NetworkPolicy').spec.ingress[0].from as Manifest[];
    expect(selects(from[0].podSelector.matchLabels, findOne(docs, 'Pod').metadata.labels)).toBe(true);
  });
});

describe('ServiceMonitor', () => {
  it('is rendered when enabled and the cluster serves monitoring.coreos.com/v1', () => {
    const docs = helmTemplate(['ingress-tls-servicemonitor-values.yaml'], [], SM);
    const monitor = findOne(docs, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', scheme: 'http', interval: '15s', scrapeTimeout: '10s', honorLabels: false },
    ]);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['webhooks'] });
    // It finds the Service by its labels, and the Service's port is named http.
    const service = findOne(docs, 'Service');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(service.spec.ports[0].name).toBe('http');
  });

  it('is skipped when the API is not served, even if enabled', () => {
    expect(findAll(helmTemplate(['ingress-tls-servicemonitor-values.yaml']), 'ServiceMonitor')).toHaveLength(0);
  });

  it('is skipped when disabled, even if the API is served', () => {
    expect(findAll(helmTemplate([], [], SM), 'ServiceMonitor')).toHaveLength(0);
  });
});

describe('helm test hook', () => {
  it('probes /health/ready through the Service with the restricted security context', () => {
    const docs = helmTemplate();
    const pod = findOne(docs, 'Pod');
    expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
    expect(pod.spec.restartPolicy).toBe('Never');
    const [container] = pod.spec.containers as Manifest[];
    expect(container.image).toBe('busybox:1.37.0');
    expect(container.command.at(-1)).toBe(`http://${FULLNAME}:80/health/ready`);
    const deployment = findOne(docs, 'Deployment').spec.template.spec;
    expect(pod.spec.securityContext).toEqual(deployment.securityContext);
    expect(container.securityContext).toEqual(deployment.containers[0].securityContext);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });
});

describe('NOTES.txt', () => {
  it('explains the Ingress requirement when the Ingress is off', () => {
    const notes = renderNotes(['default-values.yaml']);
    expect(notes).toMatch(/refuse to call private and loopback\s+addresses/);
    expect(notes).toMatch(/Ingress over TLS/);
  });

  it('tells how to register the webhook in OpenRegister and in Nextcloud', () => {
    const notes = renderNotes(['ingress-tls-servicemonitor-values.yaml'], [], SM);
    expect(notes).toContain('https://webhooks.example.org/webhooks/openregister');
    expect(notes).toMatch(/Webhooks -> add a webhook/);
    expect(notes).toContain('X-Webhook-Signature');
    expect(notes).toContain('WEBHOOK_SECRETS');
    expect(notes).toContain(
      "curl -u admin:APP_PASSWORD -H 'OCS-APIRequest: true' -H 'Content-Type: application/json' \\\n" +
        '       -X POST https://nextcloud.example/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks \\\n' +
        "       -d '",
    );
    expect(notes).toContain('A ServiceMonitor scrapes /metrics');
    expect(notes).not.toMatch(/WARNING: ingress.tls is empty/);
  });

  it('registers with Nextcloud only what Nextcloud accepts: its own events, as the OCS API takes them', () => {
    const notes = renderNotes(['ingress-tls-servicemonitor-values.yaml'], [], SM);
    // Nextcloud refuses OpenRegister's events (they do not implement IWebhookCompatibleEvent).
    expect(notes).not.toMatch(/OCA\\+OpenRegister\\+Event/);
    expect(notes).toMatch(/not OpenRegister's, which it refuses/);
    expect(notes).toMatch(/IWebhookCompatibleEvent/);
    expect(notes).toMatch(/OpenRegister's objects come only this way/);
    const body = /-d '(\{.*\})'/.exec(notes)?.[1];
    expect(body).toBeDefined();
    // The body is JSON, exactly as curl sends it, with the fields webhook_listeners reads.
    expect(JSON.parse(body as string)).toEqual({
      httpMethod: 'POST',
      uri: 'https://webhooks.example.org/webhooks/openregister',
      event: 'OCP\\Files\\Events\\Node\\NodeCreatedEvent',
      eventFilter: { 'event.node.path': '/^\\/.*\\/files\\/Inbox\\//' },
      authMethod: 'header',
      authData: { Authorization: 'Bearer <token>' },
    });
  });

  it('names the database store and its failure mode with postgres', () => {
    const notes = renderNotes(['postgres-hpa-existing-secret-values.yaml']);
    const key = parseYaml(readFileSync(join(CI_DIR, 'postgres-hpa-existing-secret-values.yaml'), 'utf8')).secrets.existingSecretKeys.databaseUrl;
    // The key the scenario names, not the variable: that is what the operator must put in the Secret.
    expect(key).not.toBe('DATABASE_URL');
    expect(notes).toContain(`The inbox lives in PostgreSQL (DATABASE_URL from the key ${key} of the Secret openregister-webhooks-credentials)`);
    expect(notes).toMatch(/refused with 503 and lost/);
    expect(notes).not.toMatch(/emptyDir/);
  });

  it('warns about a queued store on an emptyDir and points at postgres', () => {
    const notes = renderNotes(['default-values.yaml']);
    expect(notes).toMatch(/WARNING: deliveries are queued in a sqlite store on an emptyDir/);
    expect(notes).toMatch(/store\.driver=postgres with several replicas/);
    expect(renderNotes(['sqlite-single-pod-values.yaml'])).not.toMatch(/WARNING: deliveries are queued/);
  });

  it('does not promise a memory store survives container restarts', () => {
    const notes = renderNotes([], { 'store.driver': 'memory' });
    expect(notes).toMatch(/WARNING: deliveries are queued in the memory store: every restart of the container loses them/);
    expect(notes).not.toMatch(/emptyDir|survives container/);
  });

  it('tells how to read a generated secret', () => {
    expect(renderNotes()).toContain(`kubectl get secret -n webhooks ${FULLNAME} -o jsonpath='{.data.WEBHOOK_SECRETS}'`);
  });

  it('warns when a ServiceMonitor is wanted but the API is missing', () => {
    expect(renderNotes(['ingress-tls-servicemonitor-values.yaml'])).toMatch(/does not serve\s+monitoring\.coreos\.com\/v1/);
  });
});
