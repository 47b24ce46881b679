import { describe, expect, it } from '@jest/globals';
import { loadConfig, loadOpenRegisterConnection } from './app-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });

/** The lines of the error loadConfig throws, without the heading. */
function mistakes(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    const [heading, ...lines] = (error as Error).message.split('\n');
    expect(heading).toBe('Invalid configuration:');
    return lines;
  }
  throw new Error('loadConfig accepted the environment');
}

// An operator fixing an environment file restarts once per report: every mistake must be in the first.
describe('configuration errors, all at once', () => {
  it('reports a bad size, a bad address list and a bad proxy setting in one error, one line each', () => {
    const lines = mistakes({ WEBHOOK_BODY_LIMIT: '5xb', IP_ALLOWLIST: '10.0.0.0/8, banana, 10.1', TRUST_PROXY: 'cherry' });
    expect(lines).toEqual([
      '  WEBHOOK_BODY_LIMIT="5xb": WEBHOOK_BODY_LIMIT must be a size such as 5mb, 512kb or 1048576',
      expect.stringMatching(/^ {2}IP_ALLOWLIST: "banana", "10.1" are not IP addresses or CIDR ranges \(accepted: a comma list such as 10\.0\.0\.0\/8/),
      '  TRUST_PROXY: "cherry" is not true, false, a hop count, loopback/linklocal/uniquelocal, an IP address or a CIDR range',
    ]);
  });

  it('reports badly formed values together with the mistakes of combinations', () => {
    const lines = mistakes({ WEBHOOK_SECRETS: '', PORT: 'x', STORE_DRIVER: 'postgres', DELIVERY_CONCURRENCY: '0' });
    expect(lines).toEqual([
      '  PORT="x": PORT must be a whole number, at least 1',
      expect.stringMatching(/^ {2}WEBHOOK_SECRETS, WEBHOOK_TOKENS: no credential is configured; .*WEBHOOK_ALLOW_UNAUTHENTICATED=true/),
      '  DELIVERY_CONCURRENCY=0: must be at least 1',
      '  DATABASE_URL: required with STORE_DRIVER=postgres (postgres://user:password@host:5432/database)',
    ]);
  });

  it('does not report a badly formed variable a second time for what its default implies', () => {
    expect(mistakes({ STORE_DRIVER: 'postgres', DATABASE_URL: 'mysql://db/x' })).toEqual([
      '  DATABASE_URL="mysql://db/x": DATABASE_URL must be a postgres://user:password@host:5432/database URL',
    ]);
  });

  it.each([
    ['HANDLER_TIMEOUT_MS', '-5', 'HANDLER_TIMEOUT_MS must be a whole number of milliseconds, at least 1'],
    ['HANDLER_TIMEOUT_MS', '1.5', 'HANDLER_TIMEOUT_MS must be a whole number of milliseconds, at least 1'],
    ['DELIVERY_LEASE_SECONDS', '-1', 'DELIVERY_LEASE_SECONDS must be a whole number of seconds, at least 1'],
    ['DELIVERY_RETENTION_DAYS', 'two', 'DELIVERY_RETENTION_DAYS must be a whole number of days'],
    ['SHUTDOWN_GRACE_MS', '-1', 'SHUTDOWN_GRACE_MS must be a whole number of milliseconds'],
  ])('%s=%s says the unit and the least value', (name, value, message) => {
    expect(mistakes({ [name]: value })).toEqual([`  ${name}=${JSON.stringify(value)}: ${message}`]);
  });

  it('the CLI connection reports both of its mistakes at once', () => {
    expect(() => loadOpenRegisterConnection({ OPENREGISTER_URL: 'https://nc.example.org', OPENREGISTER_TIMEOUT_MS: '0' })).toThrow(
      /OPENREGISTER_USERNAME, OPENREGISTER_PASSWORD: both are required[^\n]*\n {2}OPENREGISTER_TIMEOUT_MS=0: must be at least 1$/,
    );
  });
});

describe('ADMIN_IP_ALLOWLIST', () => {
  it('is read as a list of addresses and CIDRs', () => {
    expect(load({ ADMIN_IP_ALLOWLIST: '10.0.0.0/8, 2001:db8::1' }).adminIpAllowlist).toEqual(['10.0.0.0/8', '2001:db8::1']);
    expect(load({}).adminIpAllowlist).toEqual([]);
  });

  it('refuses entries that are not addresses, along with IP_ALLOWLIST\'s', () => {
    expect(mistakes({ IP_ALLOWLIST: 'banana', ADMIN_IP_ALLOWLIST: '10.0.0.0/33' })).toEqual([
      expect.stringMatching(/^ {2}IP_ALLOWLIST: "banana" is not/),
      expect.stringMatching(/^ {2}ADMIN_IP_ALLOWLIST: "10.0.0.0\/33" is not an IP address or CIDR range/),
    ]);
  });
});
