import type { EnvironmentVariables } from './environment.js';
import { CATCHUP_SOURCES, splitList, validateEnvironment } from './environment.js';

/**
 * Catch-up's settings (OPENREGISTER_*, CATCHUP_*): how to reach OpenRegister's API and how to read
 * its changes. Read by `loadConfig` for the service, and, the connection alone, by the operator CLI.
 */
export interface CatchupConfig {
  /** OpenRegister's API base: `{OPENREGISTER_URL}/index.php/apps/openregister/api`, no trailing slash. */
  apiUrl: string;
  username: string;
  password: string;
  requestTimeoutInMs: number;
  intervalInSeconds: number;
  /** Where the first start begins: the current end (`now`), the oldest entry kept, or a feed cursor. */
  from: 'now' | 'oldest' | number;
  source: (typeof CATCHUP_SOURCES)[number];
  /** Register and schema slugs (or numeric ids) to read; empty: all. */
  registers: string[];
  schemas: string[];
  pageSize: number;
  leaseInSeconds: number;
}

/** Catch-up's settings from validated variables; undefined (off) without OPENREGISTER_URL. */
export function readCatchupConfig(v: EnvironmentVariables): CatchupConfig | undefined {
  if (v.OPENREGISTER_URL === undefined) return undefined;
  const int = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
  return {
    apiUrl: openRegisterApiUrl(v.OPENREGISTER_URL),
    username: v.OPENREGISTER_USERNAME ?? '',
    password: v.OPENREGISTER_PASSWORD ?? '',
    requestTimeoutInMs: int(v.OPENREGISTER_TIMEOUT_MS, 10_000),
    intervalInSeconds: int(v.CATCHUP_INTERVAL_SECONDS, 30),
    from: v.CATCHUP_FROM === undefined || v.CATCHUP_FROM === 'now' ? 'now' : v.CATCHUP_FROM === 'oldest' ? 'oldest' : Number(v.CATCHUP_FROM),
    source: (v.CATCHUP_SOURCE as CatchupConfig['source']) ?? 'auto',
    registers: splitList(v.CATCHUP_REGISTERS),
    schemas: splitList(v.CATCHUP_SCHEMAS),
    pageSize: int(v.CATCHUP_PAGE_SIZE, 500),
    leaseInSeconds: int(v.CATCHUP_LEASE_SECONDS, 60),
  };
}

/** The mistakes in catch-up's settings: the variables each names, and its line (indented). */
export function catchupProblems(catchup: CatchupConfig): [string[], string][] {
  const problems: [string[], string][] = [];
  const add = (names: string[], line: string) => problems.push([names, `  ${line}`]);
  for (const line of openRegisterConnectionProblems(catchup)) add(['OPENREGISTER_USERNAME', 'OPENREGISTER_PASSWORD', 'OPENREGISTER_TIMEOUT_MS'].filter((name) => line.includes(name)), line);
  const bounded: [string, number][] = [
    ['CATCHUP_INTERVAL_SECONDS', catchup.intervalInSeconds],
    ['CATCHUP_PAGE_SIZE', catchup.pageSize],
    ['CATCHUP_LEASE_SECONDS', catchup.leaseInSeconds],
  ];
  for (const [name, value] of bounded) {
    if (value < 1) add([name], `${name}=${value}: must be at least 1`);
  }
  if (catchup.pageSize > 1000) add(['CATCHUP_PAGE_SIZE'], `CATCHUP_PAGE_SIZE=${catchup.pageSize}: must be at most 1000 (OpenRegister's limit)`);
  return problems;
}

/** How to call OpenRegister's API: the part of {@link CatchupConfig} that tools besides catch-up need. */
export type OpenRegisterConnection = Pick<CatchupConfig, 'apiUrl' | 'username' | 'password' | 'requestTimeoutInMs'>;

/**
 * Reads and validates OPENREGISTER_URL, OPENREGISTER_USERNAME, OPENREGISTER_PASSWORD and
 * OPENREGISTER_TIMEOUT_MS alone, with the rules and messages of {@link loadConfig}: for the operator
 * CLI, which talks to OpenRegister without the webhook credentials the service needs to start.
 * Only these variables are looked at, so an unrelated bad one in the shell does not stop it.
 * @throws Error naming the missing or bad variable (never its value for the password)
 */
export function loadOpenRegisterConnection(env: Record<string, string | undefined>): OpenRegisterConnection {
  const names = ['OPENREGISTER_URL', 'OPENREGISTER_USERNAME', 'OPENREGISTER_PASSWORD', 'OPENREGISTER_TIMEOUT_MS'] as const;
  const v = validateEnvironment(Object.fromEntries(names.map((name) => [name, env[name]])));
  if (v.OPENREGISTER_URL === undefined) throw new Error("Invalid configuration:\n  OPENREGISTER_URL: required (Nextcloud's base URL, such as https://nextcloud.example.org)");
  const connection: OpenRegisterConnection = {
    apiUrl: openRegisterApiUrl(v.OPENREGISTER_URL),
    username: v.OPENREGISTER_USERNAME ?? '',
    password: v.OPENREGISTER_PASSWORD ?? '',
    requestTimeoutInMs: v.OPENREGISTER_TIMEOUT_MS === undefined ? 10_000 : Number(v.OPENREGISTER_TIMEOUT_MS),
  };
  const problems = openRegisterConnectionProblems(connection);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  return connection;
}

/** The mistakes in a connection's values, one line each (without indentation). */
function openRegisterConnectionProblems(connection: OpenRegisterConnection): string[] {
  const problems: string[] = [];
  if (!connection.username || !connection.password) {
    problems.push('OPENREGISTER_USERNAME, OPENREGISTER_PASSWORD: both are required with OPENREGISTER_URL (a Nextcloud user and an app password of it)');
  }
  if (connection.requestTimeoutInMs < 1) problems.push(`OPENREGISTER_TIMEOUT_MS=${connection.requestTimeoutInMs}: must be at least 1`);
  return problems;
}

/** The API base under a Nextcloud URL; a URL that already names the API is taken as it is. */
export function openRegisterApiUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/apps\/openregister\/api$/.test(trimmed) ? trimmed : `${trimmed}/index.php/apps/openregister/api`;
}

