/**
 * Tracing (`tracing.*`): the OTEL_* variables are rendered only when it is on, the service reads
 * them as the chart meant, and the values schema refuses what the service would refuse (gRPC).
 */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config/app-config.js';
import { FULLNAME, findOne, helmTemplate, helmTemplateRaw, type Manifest } from './helm.js';

const TRACING = { 'tracing.enabled': true, 'tracing.endpoint': 'http://otel-collector.observability:4318' };
const configOf = (docs: Manifest[]) => findOne(docs, 'ConfigMap', FULLNAME).data as Record<string, string>;
/** What the service needs besides the ConfigMap to start (the Secret's keys). */
const CREDENTIALS = { WEBHOOK_SECRETS: 'sample-secret' };

describe('tracing.*', () => {
  it('renders no OTEL_* variable while off', () => {
    expect(Object.keys(configOf(helmTemplate())).filter((name) => name.startsWith('OTEL_'))).toEqual([]);
    expect(loadConfig({ ...configOf(helmTemplate()), ...CREDENTIALS }).tracing).toBeUndefined();
  });

  it('on: OTLP/HTTP protobuf to the endpoint, named openregister-webhooks, parent-based always-on', () => {
    const config = configOf(helmTemplate([], TRACING));
    expect(Object.fromEntries(Object.entries(config).filter(([name]) => name.startsWith('OTEL_')))).toEqual({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'openregister-webhooks',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    });
    expect(loadConfig({ ...config, ...CREDENTIALS }).tracing).toEqual({
      exporters: ['otlp'],
      protocol: 'http/protobuf',
      resourceAttributes: { 'service.name': 'openregister-webhooks' },
    });
  });

  it('renders every setting the way the service reads it, resource attributes percent-encoded (ci/tracing-values.yaml)', () => {
    const config = configOf(helmTemplate(['tracing-values.yaml']));
    expect(config).toMatchObject({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=production,team=a%2Cb%3Dc', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(loadConfig({ ...config, ...CREDENTIALS }).tracing).toEqual({
      exporters: ['otlp'],
      protocol: 'http/json',
      resourceAttributes: { 'service.name': 'webhooks-eu', 'deployment.environment': 'production', team: 'a,b=c' },
    });
  });

  it.each([
    [{ 'tracing.protocol': 'grpc' }],
    [{ 'tracing.endpoint': '' }],
    [{ 'tracing.endpoint': 'otel-collector:4318' }],
    [{ 'tracing.sampler': 'sometimes' }],
    [{ 'tracing.samplerRatio': 2 }],
    [{ 'tracing.resourceAttributes.team': '{a}' }],
  ])('the values schema refuses %j', (values) => {
    const result = helmTemplateRaw([], { ...TRACING, ...values });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/values don't meet the specifications of the schema/);
  });
});
