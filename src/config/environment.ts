import { plainToInstance } from 'class-transformer';
import { IsIn, IsOptional, IsUrl, Matches, validateSync } from 'class-validator';

const WHOLE_NUMBER = /^\d+$/;
const BOOLEAN = /^(true|false|1|0|yes|no)$/i;
const SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i;
const LIST = /^[^,]*(,[^,]*)*$/;
/** The unit a whole number counts in, read from its name's suffix, so the message says what to write. */
const UNITS: [RegExp, string][] = [[/_MS$/, ' of milliseconds'], [/_SECONDS$/, ' of seconds'], [/_DAYS$/, ' of days']];
/** A whole number; `min` (checked by app-config, since the regex cannot) goes into the message too, so `-5` is told both. */
const whole = (name: string, min?: number) =>
  Matches(WHOLE_NUMBER, {
    message: `${name} must be a whole number${UNITS.find(([suffix]) => suffix.test(name))?.[1] ?? ''}${min === undefined ? '' : `, at least ${min}`}`,
  });
const boolean = (name: string) => Matches(BOOLEAN, { message: `${name} must be true or false` });

/** What OTEL_TRACES_EXPORTER may name (OpenTelemetry's names); `none` exports nothing. */
export const TRACE_EXPORTERS = ['otlp', 'console', 'none'] as const;
/** OTLP over HTTP, protobuf (the specification's default) or JSON. gRPC would need an exporter we do not ship. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
/** The samplers sdk-trace-base builds from OTEL_TRACES_SAMPLER itself. */
export const TRACE_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

const OTLP_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
/** gRPC is named, since it is what an operator used to other SDKs most likely tried. */
const otlpProtocol = (name: string) => `${name} must be one of ${OTLP_PROTOCOLS.join(', ')} (grpc is not supported: this service ships the OTLP/HTTP exporters only)`;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DELIVERY_MODES = ['queued', 'inline'] as const;
export const STORE_DRIVERS = ['sqlite', 'memory', 'postgres'] as const;
export const HTTP_ADAPTERS = ['express', 'fastify'] as const;
/** Where catch-up reads changes: the change feed with the audit trail as fallback, or only one of them. */
export const CATCHUP_SOURCES = ['auto', 'feed', 'audit-trail'] as const;

/**
 * Every environment variable the service reads, as strings, with the rule each must follow.
 * Defaults live in `app-config.ts`; this class only says what a valid value looks like.
 */
export class EnvironmentVariables {
  @IsOptional() @whole('PORT', 1) PORT?: string;
  @IsOptional() @Matches(LIST) WEBHOOK_SECRETS?: string;
  @IsOptional() @Matches(LIST) WEBHOOK_TOKENS?: string;
  @IsOptional() @boolean('WEBHOOK_ALLOW_UNAUTHENTICATED') WEBHOOK_ALLOW_UNAUTHENTICATED?: string;
  @IsOptional() @whole('WEBHOOK_TOLERANCE_SECONDS') WEBHOOK_TOLERANCE_SECONDS?: string;
  @IsOptional() @Matches(SIZE, { message: 'WEBHOOK_BODY_LIMIT must be a size such as 5mb, 512kb or 1048576' }) WEBHOOK_BODY_LIMIT?: string;
  @IsOptional() IP_ALLOWLIST?: string;
  @IsOptional() @Matches(/^(true|false|\d+|[\w.:/,\s-]+)$/i, { message: 'TRUST_PROXY must be true, false, a hop count or a list of addresses/CIDRs' }) TRUST_PROXY?: string;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: string;
  @IsOptional() @IsIn(HTTP_ADAPTERS, { message: `HTTP_ADAPTER must be one of ${HTTP_ADAPTERS.join(', ')}` }) HTTP_ADAPTER?: string;
  @IsOptional() @whole('THROTTLE_UNAUTHENTICATED_LIMIT') THROTTLE_UNAUTHENTICATED_LIMIT?: string;
  @IsOptional() @whole('THROTTLE_UNAUTHENTICATED_TTL_SECONDS', 1) THROTTLE_UNAUTHENTICATED_TTL_SECONDS?: string;
  @IsOptional() @whole('THROTTLE_AUTHENTICATED_LIMIT') THROTTLE_AUTHENTICATED_LIMIT?: string;
  @IsOptional() @whole('THROTTLE_AUTHENTICATED_TTL_SECONDS', 1) THROTTLE_AUTHENTICATED_TTL_SECONDS?: string;
  @IsOptional() @whole('IDEMPOTENCY_TTL_SECONDS') IDEMPOTENCY_TTL_SECONDS?: string;
  @IsOptional() @whole('IDEMPOTENCY_MAX_ENTRIES', 1) IDEMPOTENCY_MAX_ENTRIES?: string;
  @IsOptional() @boolean('AUDIT_LOG_ENABLED') AUDIT_LOG_ENABLED?: string;
  @IsOptional() @whole('SHUTDOWN_GRACE_MS') SHUTDOWN_GRACE_MS?: string;
  @IsOptional() @whole('HANDLER_TIMEOUT_MS', 1) HANDLER_TIMEOUT_MS?: string;
  @IsOptional() @IsIn(DELIVERY_MODES, { message: `DELIVERY_MODE must be one of ${DELIVERY_MODES.join(', ')}` }) DELIVERY_MODE?: string;
  @IsOptional() @IsIn(STORE_DRIVERS, { message: `STORE_DRIVER must be one of ${STORE_DRIVERS.join(', ')}` }) STORE_DRIVER?: string;
  @IsOptional() DATA_DIR?: string;
  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres://user:password@host:5432/database URL' }) DATABASE_URL?: string;
  @IsOptional() @whole('DATABASE_POOL_SIZE', 1) DATABASE_POOL_SIZE?: string;
  @IsOptional() @whole('DATABASE_CONNECT_TIMEOUT_MS', 1) DATABASE_CONNECT_TIMEOUT_MS?: string;
  @IsOptional() @whole('DATABASE_STATEMENT_TIMEOUT_MS', 1) DATABASE_STATEMENT_TIMEOUT_MS?: string;
  @IsOptional() @whole('DELIVERY_LEASE_SECONDS', 1) DELIVERY_LEASE_SECONDS?: string;
  @IsOptional() @whole('DELIVERY_CONCURRENCY', 1) DELIVERY_CONCURRENCY?: string;
  @IsOptional() @whole('DELIVERY_MAX_ATTEMPTS', 1) DELIVERY_MAX_ATTEMPTS?: string;
  @IsOptional() @whole('DELIVERY_BACKOFF_BASE_MS') DELIVERY_BACKOFF_BASE_MS?: string;
  @IsOptional() @whole('DELIVERY_BACKOFF_MAX_MS') DELIVERY_BACKOFF_MAX_MS?: string;
  @IsOptional() @whole('DELIVERY_RETENTION_DAYS') DELIVERY_RETENTION_DAYS?: string;
  @IsOptional() @boolean('DELIVERY_GROUP_COMMIT') DELIVERY_GROUP_COMMIT?: string;
  @IsOptional() @boolean('SQLITE_STORE_THREAD') SQLITE_STORE_THREAD?: string;
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { each: true, message: 'FORWARD_URLS must be a comma list of http(s) URLs' })
  FORWARD_URLS?: string[];
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { each: true, message: 'FORWARD_UNREDACTED_URLS must be a comma list of http(s) URLs' })
  FORWARD_UNREDACTED_URLS?: string[];
  @IsOptional() FORWARD_SECRET?: string;
  @IsOptional() @whole('FORWARD_TIMEOUT_MS') FORWARD_TIMEOUT_MS?: string;
  @IsOptional() ADMIN_TOKEN?: string;
  @IsOptional() ADMIN_IP_ALLOWLIST?: string;
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'OPENREGISTER_URL must be the http(s) URL of Nextcloud, such as https://nextcloud.example.org' })
  OPENREGISTER_URL?: string;
  @IsOptional() OPENREGISTER_USERNAME?: string;
  @IsOptional() OPENREGISTER_PASSWORD?: string;
  @IsOptional() @whole('OPENREGISTER_TIMEOUT_MS', 1) OPENREGISTER_TIMEOUT_MS?: string;
  @IsOptional() @whole('CATCHUP_INTERVAL_SECONDS', 1) CATCHUP_INTERVAL_SECONDS?: string;
  @IsOptional() @Matches(/^(now|oldest|\d+)$/, { message: 'CATCHUP_FROM must be now, oldest or a feed cursor (a whole number)' }) CATCHUP_FROM?: string;
  @IsOptional() @IsIn(CATCHUP_SOURCES, { message: `CATCHUP_SOURCE must be one of ${CATCHUP_SOURCES.join(', ')}` }) CATCHUP_SOURCE?: string;
  @IsOptional() @Matches(LIST) CATCHUP_REGISTERS?: string;
  @IsOptional() @Matches(LIST) CATCHUP_SCHEMAS?: string;
  @IsOptional() @whole('CATCHUP_PAGE_SIZE', 1) CATCHUP_PAGE_SIZE?: string;
  @IsOptional() @whole('CATCHUP_LEASE_SECONDS', 1) CATCHUP_LEASE_SECONDS?: string;
  @IsOptional() @boolean('TRACK_PREVIOUS_STATE') TRACK_PREVIOUS_STATE?: string;
  @IsOptional() @Matches(/^[^,\s]+(\s*,\s*[^,\s]+)*$/, { message: 'REDACT_FIELDS must be a comma list of key names, such as X-Nc-Session,bsn' }) REDACT_FIELDS?: string;
  // OpenTelemetry's standard variables (tracing-config.ts); the exporters read their own headers, timeouts and certificates.
  @IsOptional() @boolean('OTEL_SDK_DISABLED') OTEL_SDK_DISABLED?: string;
  @IsOptional() @Matches(/^\s*(otlp|console|none)\s*(,\s*(otlp|console|none)\s*)*$/i, { message: 'OTEL_TRACES_EXPORTER must be a comma list of otlp, console and none' }) OTEL_TRACES_EXPORTER?: string;
  @IsOptional() @IsUrl(OTLP_URL, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, such as http://otel-collector:4318' }) OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @IsOptional() @IsUrl(OTLP_URL, { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL, such as http://otel-collector:4318/v1/traces' }) OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  @IsOptional() @IsIn(OTLP_PROTOCOLS, { message: otlpProtocol('OTEL_EXPORTER_OTLP_PROTOCOL') }) OTEL_EXPORTER_OTLP_PROTOCOL?: string;
  @IsOptional() @IsIn(OTLP_PROTOCOLS, { message: otlpProtocol('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') }) OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?: string;
  @IsOptional() OTEL_SERVICE_NAME?: string;
  @IsOptional() @Matches(/^\s*[^=,\s][^=,]*=[^=,]*(,\s*[^=,\s][^=,]*=[^=,]*)*\s*$/, { message: 'OTEL_RESOURCE_ATTRIBUTES must be key=value pairs separated by commas (percent-encode , and = inside a key or value)' })
  OTEL_RESOURCE_ATTRIBUTES?: string;
  @IsOptional() @IsIn(TRACE_SAMPLERS, { message: `OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}` }) OTEL_TRACES_SAMPLER?: string;
  @IsOptional() @Matches(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, { message: 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, such as 0.1' }) OTEL_TRACES_SAMPLER_ARG?: string;
}

/** @throws Error naming every variable with a bad value and why. */
export function validateEnvironment(env: Record<string, string | undefined>): EnvironmentVariables {
  const { variables, problems } = checkEnvironment(env);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  return variables;
}

/**
 * Every variable's rule checked at once: one line per bad variable (`  NAME="value": why`), and
 * the variables with the bad ones left out, so the caller can go on with defaults and find the
 * mistakes that only show in combination before it reports them all together.
 */
export function checkEnvironment(env: Record<string, string | undefined>): { variables: EnvironmentVariables; problems: string[]; invalid: Set<string> } {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const plain: Record<string, unknown> = { ...present };
  if (typeof present.FORWARD_URLS === 'string') plain.FORWARD_URLS = splitList(present.FORWARD_URLS);
  if (typeof present.FORWARD_UNREDACTED_URLS === 'string') plain.FORWARD_UNREDACTED_URLS = splitList(present.FORWARD_UNREDACTED_URLS);
  const variables = plainToInstance(EnvironmentVariables, plain, { excludeExtraneousValues: false });
  const errors = validateSync(variables, { skipMissingProperties: false, whitelist: true });
  const problems = errors.map((error) => `  ${error.property}=${JSON.stringify(env[error.property])}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  for (const error of errors) delete (variables as unknown as Record<string, unknown>)[error.property];
  return { variables, problems, invalid: new Set(errors.map((error) => error.property)) };
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

export function parseBoolean(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : /^(true|1|yes)$/i.test(value);
}
