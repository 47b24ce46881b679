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
