/**
 * `helm lint --strict` and Kubernetes-schema validation of every object the chart renders, for the
 * default values and every ci/*-values.yaml scenario.
 */
import { describe, expect, it } from '@jest/globals';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { CHART_DIR, CI_DIR, ciScenarios, helm, helmTemplate, type Manifest, SCENARIO_OPTIONS } from './helm.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: Manifest) => Validatable;

/** The models for every kind the chart may render, keyed by apiVersion/kind. */
const MODELS: Record<string, ModelClass> = {
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as ModelClass,
  'v1/Pod': Pod as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
};

/**
 * kubernetes-models has no ServiceMonitor (a Prometheus Operator CRD): check the fields the
 * operator needs, structurally.
 */
function validateServiceMonitor(doc: Manifest): void {
  expect(doc.metadata?.name).toEqual(expect.any(String));
  expect(doc.spec?.selector?.matchLabels).toEqual(expect.any(Object));
  expect(Array.isArray(doc.spec?.endpoints)).toBe(true);
  for (const endpoint of doc.spec.endpoints as Manifest[]) {
    expect(endpoint).toEqual(expect.objectContaining({ port: expect.any(String), path: expect.stringMatching(/^\//) }));
    const allowed = ['port', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels', 'relabelings', 'metricRelabelings'];
    expect(Object.keys(endpoint).filter((k) => !allowed.includes(k))).toEqual([]);
  }
}

function validateAll(docs: Manifest[]): string[] {
  const kinds: string[] = [];
  for (const doc of docs) {
    const key = `${doc.apiVersion}/${doc.kind}`;
    kinds.push(key);
    expect(doc.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(doc.metadata.name.length).toBeLessThanOrEqual(63);
    if (key === 'monitoring.coreos.com/v1/ServiceMonitor') {
      validateServiceMonitor(doc);
      continue;
    }
    const Model = MODELS[key];
    if (!Model) throw new Error(`no schema to validate ${key} against: add it to MODELS`);
    try {
      new Model(doc).validate();
    } catch (error) {
      throw new Error(`${key} ${doc.metadata.name} does not match the Kubernetes schema: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return kinds;
}

const scenarios = ciScenarios();

describe('helm lint --strict', () => {
  it('passes with the default values', () => {
    const result = helm(['lint', '--strict', CHART_DIR]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('has the scenarios CI is meant to cover', () => {
    expect(scenarios).toEqual(
      expect.arrayContaining([
        'default-values.yaml',
        'ingress-tls-servicemonitor-values.yaml',
        'existing-secret-values.yaml',
        'persistence-hpa-redis-values.yaml',
        'inline-mode-values.yaml',
      ]),
    );
  });

  it.each(scenarios)('passes with ci/%s', (file) => {
    const result = helm(['lint', '--strict', CHART_DIR, '--values', `${CI_DIR}/${file}`]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });
});

describe('rendered manifests match the Kubernetes schemas', () => {
  it('with the default values', () => {
    const kinds = validateAll(helmTemplate());
    expect(kinds).toEqual(
      expect.arrayContaining(['apps/v1/Deployment', 'v1/Service', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount', 'v1/Pod']),
    );
  });

  it.each(scenarios)('with ci/%s', (file) => {
    const docs = helmTemplate([file], [], SCENARIO_OPTIONS[file] ?? {});
    validateAll(docs);
    // One object of each kind and name: no template renders a duplicate.
    const ids = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('catches a wrong type (the validator is really checking)', () => {
    const deployment = helmTemplate(['default-values.yaml']).find((d) => d.kind === 'Deployment') as Manifest;
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect(() => validateAll([deployment])).toThrow(/containerPort/);
  });
});
