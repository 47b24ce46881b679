/**
 * `helm lint --strict` and Kubernetes-schema validation of every object the chart renders, for the
 * default values and every ci/*-values.yaml scenario.
 */
import { describe, expect, it } from '@jest/globals';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
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
  // The Prometheus Operator's CRDs, from the same project's generated models.
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as ModelClass,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule as unknown as ModelClass,
};

function validateAll(docs: Manifest[]): string[] {
  const kinds: string[] = [];
  for (const doc of docs) {
    const key = `${doc.apiVersion}/${doc.kind}`;
    kinds.push(key);
    expect(doc.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(doc.metadata.name.length).toBeLessThanOrEqual(63);
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
        'postgres-hpa-existing-secret-values.yaml',
        'sqlite-single-pod-values.yaml',
        'prometheus-rule-dashboard-values.yaml',
        'inline-mode-values.yaml',
        'catchup-lockdown-values.yaml',
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

  it('renders every kind of the monitoring scenario, the Prometheus Operator ones included', () => {
    const file = 'prometheus-rule-dashboard-values.yaml';
    const kinds = validateAll(helmTemplate([file], [], SCENARIO_OPTIONS[file]));
    expect(kinds).toEqual(
      expect.arrayContaining(['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule']),
    );
    expect(kinds.filter((k) => k === 'v1/ConfigMap')).toHaveLength(2);
  });

  it('catches a wrong PrometheusRule (the operator schema is really checking)', () => {
    const file = 'prometheus-rule-dashboard-values.yaml';
    const rule = helmTemplate([file], [], SCENARIO_OPTIONS[file]).find((d) => d.kind === 'PrometheusRule') as Manifest;
    rule.spec.groups[0].rules[0].for = 600;
    expect(() => validateAll([rule])).toThrow(/PrometheusRule .*for/);
  });

  it('catches a wrong type (the validator is really checking)', () => {
    const deployment = helmTemplate(['default-values.yaml']).find((d) => d.kind === 'Deployment') as Manifest;
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect(() => validateAll([deployment])).toThrow(/containerPort/);
  });
});
