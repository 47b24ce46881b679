import type { EnvironmentVariables } from './environment.js';
import { OTLP_PROTOCOLS, parseBoolean, splitList, TRACE_EXPORTERS } from './environment.js';

/** The service name spans carry unless OTEL_SERVICE_NAME (or `service.name` in OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
export const DEFAULT_SERVICE_NAME = 'openregister-webhooks';

/**
 * OpenTelemetry tracing, from the standard OTEL_* variables only. The OTLP exporter reads its own
 * endpoint, headers, timeout and TLS variables, and the SDK its sampler and limits: they are
 * validated here where a mistake would otherwise be swallowed, and not copied.
 */
export interface TracingConfig {
  /** At least one; `none` is never listed. */
  exporters: Exclude<(typeof TRACE_EXPORTERS)[number], 'none'>[];
  /** Of the `otlp` exporter: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL. */
  protocol: (typeof OTLP_PROTOCOLS)[number];
  /** OTEL_RESOURCE_ATTRIBUTES decoded, with OTEL_SERVICE_NAME (or the default) as `service.name`. */
  resourceAttributes: Record<string, string>;
}

/**
 * On when OTEL_TRACES_EXPORTER names an exporter, or (unset) when an OTLP endpoint variable is set
 * (then `otlp`); off (undefined) otherwise, and always with OTEL_SDK_DISABLED=true.
 */
export function readTracingConfig(v: EnvironmentVariables): TracingConfig | undefined {
  if (parseBoolean(v.OTEL_SDK_DISABLED, false)) return undefined;
  const endpoint = v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? v.OTEL_EXPORTER_OTLP_ENDPOINT;
  const named = v.OTEL_TRACES_EXPORTER === undefined ? (endpoint === undefined ? [] : ['otlp']) : splitList(v.OTEL_TRACES_EXPORTER.toLowerCase());
  const exporters = [...new Set(named.filter((name): name is TracingConfig['exporters'][number] => name === 'otlp' || name === 'console'))];
  if (exporters.length === 0) return undefined;
  const resourceAttributes = parseResourceAttributes(v.OTEL_RESOURCE_ATTRIBUTES ?? '') ?? {};
  resourceAttributes['service.name'] = v.OTEL_SERVICE_NAME ?? resourceAttributes['service.name'] ?? DEFAULT_SERVICE_NAME;
  return {
    exporters,
    protocol: (v.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? v.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf') as TracingConfig['protocol'],
    resourceAttributes,
  };
}

/**
 * `key=value,key2=value2` with `,` `=` and `%` percent-encoded inside keys and values, as the
 * OpenTelemetry specification writes OTEL_RESOURCE_ATTRIBUTES; undefined when malformed.
 */
export function parseResourceAttributes(raw: string): Record<string, string> | undefined {
  const attributes: Record<string, string> = {};
  for (const pair of splitList(raw)) {
    const parts = pair.split('=');
    if (parts.length !== 2 || parts[0].trim() === '') return undefined;
    try {
      attributes[decodeURIComponent(parts[0].trim())] = decodeURIComponent(parts[1].trim());
    } catch {
      return undefined;
    }
  }
  return attributes;
}
