/**
 * The objects around the Deployment: Service, Ingress, PodDisruptionBudget, NetworkPolicy,
 * ServiceMonitor, the `helm test` pod and NOTES.txt.
 */
import { describe, expect, it } from '@jest/globals';
import { FULLNAME, findAll, findOne, helmTemplate, type Manifest, renderNotes } from './helm.js';

const podLabelsOf = (docs: Manifest[]) => findOne(docs, 'Deployment').spec.template.metadata.labels as Record<string, string>;

/** True when a matchLabels selector selects pods with these labels. */
function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

const SM = { apiVersions: ['monitoring.coreos.com/v1'] };

describe('selectors match the Deployment pods', () => {
  it.each([
    ['default values', [] as string[]],
    ['the HPA scenario', ['persistence-hpa-redis-values.yaml']],
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

  it('uses minAvailable when it is set', () => {
    const pdb = findOne(helmTemplate(['persistence-hpa-redis-values.yaml']), 'PodDisruptionBudget');
    expect(pdb.spec).toEqual(expect.objectContaining({ minAvailable: 1 }));
    expect(pdb.spec.maxUnavailable).toBeUndefined();
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
        '       -d \'{"httpMethod":"POST","uri":"https://webhooks.example.org/webhooks/openregister",' +
        '"event":"OCA\\\\OpenRegister\\\\Event\\\\ObjectUpdatedEvent","authMethod":"header",' +
        '"authData":{"Authorization":"Bearer <token>"}}\'',
    );
    expect(notes).toContain('A ServiceMonitor scrapes /metrics');
    expect(notes).not.toMatch(/WARNING: ingress.tls is empty/);
  });

  it('tells how to read a generated secret', () => {
    expect(renderNotes()).toContain(`kubectl get secret -n webhooks ${FULLNAME} -o jsonpath='{.data.WEBHOOK_SECRETS}'`);
  });

  it('warns when a ServiceMonitor is wanted but the API is missing', () => {
    expect(renderNotes(['ingress-tls-servicemonitor-values.yaml'])).toMatch(/does not serve\s+monitoring\.coreos\.com\/v1/);
  });
});
