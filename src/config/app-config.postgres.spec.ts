import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const base = { WEBHOOK_SECRETS: 'fixture-secret' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });
const URL = 'postgres://webhooks:secret@db.example:5432/webhooks?sslmode=require';

describe('loadConfig: STORE_DRIVER=postgres', () => {
  it('takes DATABASE_URL, a pool of 10, time limits of 5 s and leases of 15 s by default', () => {
    const config = load({ STORE_DRIVER: 'postgres', DATABASE_URL: URL });
    expect(config.delivery.store).toBe('postgres');
    expect(config.database).toEqual({ url: URL, poolSize: 10, connectTimeoutInMs: 5000, statementTimeoutInMs: 5000 });
    expect(config.delivery.leaseInSeconds).toBe(15);
  });

  it('takes the pool size and the lease from the environment', () => {
    const config = load({ STORE_DRIVER: 'postgres', DATABASE_URL: 'postgresql://db/webhooks', DATABASE_POOL_SIZE: '4', DELIVERY_LEASE_SECONDS: '30' });
    expect(config.database.poolSize).toBe(4);
    expect(config.delivery.leaseInSeconds).toBe(30);
  });

  it('takes the time limits from the environment', () => {
    const config = load({ STORE_DRIVER: 'postgres', DATABASE_URL: URL, DATABASE_CONNECT_TIMEOUT_MS: '2000', DATABASE_STATEMENT_TIMEOUT_MS: '3000' });
    expect(config.database).toMatchObject({ connectTimeoutInMs: 2000, statementTimeoutInMs: 3000 });
  });

  it('refuses to start without DATABASE_URL, naming it', () => {
    expect(() => load({ STORE_DRIVER: 'postgres' })).toThrow(/DATABASE_URL: required with STORE_DRIVER=postgres/);
  });

  it('does not need DATABASE_URL with the other drivers', () => {
    expect(load({ STORE_DRIVER: 'sqlite' }).database.url).toBeUndefined();
  });

  it('refuses a DATABASE_URL that is not a postgres URL', () => {
    expect(() => load({ STORE_DRIVER: 'postgres', DATABASE_URL: 'mysql://db/webhooks' })).toThrow(/DATABASE_URL.*postgres:\/\//);
  });

  it.each([
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE=0: must be at least 1/],
    ['DATABASE_POOL_SIZE', 'ten', /DATABASE_POOL_SIZE.*whole number/],
    ['DELIVERY_LEASE_SECONDS', '0', /DELIVERY_LEASE_SECONDS=0: must be at least 1/],
    ['DATABASE_CONNECT_TIMEOUT_MS', '0', /DATABASE_CONNECT_TIMEOUT_MS=0: must be at least 1/],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '5s', /DATABASE_STATEMENT_TIMEOUT_MS.*whole number/],
    ['DELIVERY_LEASE_SECONDS', '1.5', /DELIVERY_LEASE_SECONDS.*whole number/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => load({ STORE_DRIVER: 'postgres', DATABASE_URL: URL, [name]: value })).toThrow(message);
  });
});
