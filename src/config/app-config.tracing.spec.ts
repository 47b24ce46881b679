import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';
import { parseResourceAttributes } from './tracing-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });
const tracing = (env: Record<string, string>) => load(env).tracing;

describe('OpenTelemetry tracing (OTEL_*)', () => {
  it('is off when no OTEL_* variable is set', () => {
    expect(tracing({})).toBeUndefined();
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'console' }, ['console']],
    [{ OTEL_TRACES_EXPORTER: 'OTLP, console' }, ['otlp', 'console']],
    [{ OTEL_TRACES_EXPORTER: 'otlp,otlp' }, ['otlp']],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, ['otlp']],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example.org/v1/traces' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'console', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, ['console']],
  ])('is on with %j, exporting to %j', (env, exporters) => {
    expect(tracing(env)?.exporters).toEqual(exporters);
  });

  it.each<Record<string, string>>([{ OTEL_TRACES_EXPORTER: 'none' }, { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, { OTEL_TRACES_EXPORTER: '' }])('is off with %j', (env) => {
    expect(tracing(env)).toBeUndefined();
  });

  it.each(['true', 'TRUE', '1'])('OTEL_SDK_DISABLED=%s wins over an exporter and an endpoint', (value) => {
    expect(tracing({ OTEL_SDK_DISABLED: value, OTEL_TRACES_EXPORTER: 'otlp,console', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
  });

  it('OTEL_SDK_DISABLED=false leaves it on', () => {
    expect(tracing({ OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' })?.exporters).toEqual(['otlp']);
  });

  it('speaks http/protobuf by default; the traces variable wins over the general one', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })?.protocol).toBe('http/protobuf');
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })?.protocol).toBe('http/json');
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })?.protocol).toBe('http/protobuf');
  });

  it.each(['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'])('refuses grpc in %s at start, naming the variable and the accepted values', (name) => {
    expect(() => load({ OTEL_TRACES_EXPORTER: 'otlp', [name]: 'grpc' })).toThrow(
      `${name}="grpc": ${name} must be one of http/protobuf, http/json (grpc is not supported: this service ships the OTLP/HTTP exporters only)`,
    );
  });

  it('reports the OTEL_* mistakes with the others, all at once', () => {
    const attempt = () =>
      load({ PORT: 'x', OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '2', OTEL_SDK_DISABLED: 'maybe', OTEL_RESOURCE_ATTRIBUTES: 'team' });
    expect(attempt).toThrow(/PORT="x"/);
    expect(attempt).toThrow(/OTEL_TRACES_EXPORTER="zipkin": OTEL_TRACES_EXPORTER must be a comma list of otlp, console and none/);
    expect(attempt).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/);
    expect(attempt).toThrow(/OTEL_TRACES_SAMPLER="sometimes": OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio/);
    expect(attempt).toThrow(/OTEL_TRACES_SAMPLER_ARG="2": OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1/);
    expect(attempt).toThrow(/OTEL_SDK_DISABLED="maybe": OTEL_SDK_DISABLED must be true or false/);
    expect(attempt).toThrow(/OTEL_RESOURCE_ATTRIBUTES="team": OTEL_RESOURCE_ATTRIBUTES must be key=value pairs/);
  });

  it('accepts the sampler variables the SDK reads itself', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toBeDefined();
  });

  it('names the service openregister-webhooks unless OTEL_SERVICE_NAME or service.name says otherwise', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })?.resourceAttributes).toEqual({ 'service.name': 'openregister-webhooks' });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_RESOURCE_ATTRIBUTES: 'service.name=hooks,deployment.environment=prod' })?.resourceAttributes).toEqual({
      'service.name': 'hooks',
      'deployment.environment': 'prod',
    });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'webhooks-eu', OTEL_RESOURCE_ATTRIBUTES: 'service.name=hooks' })?.resourceAttributes).toEqual({ 'service.name': 'webhooks-eu' });
  });

  it('decodes percent-encoded resource attributes and rejects malformed ones', () => {
    expect(parseResourceAttributes('team=a%2Cb, note=x%3Dy')).toEqual({ team: 'a,b', note: 'x=y' });
    expect(parseResourceAttributes('')).toEqual({});
    expect(parseResourceAttributes('a=b=c')).toBeUndefined();
    expect(parseResourceAttributes('a=%E0%A4%A')).toBeUndefined();
  });
});
