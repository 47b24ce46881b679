import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const base = { WEBHOOK_SECRETS: 'fixture-secret' };
const credentials = { OPENREGISTER_USERNAME: 'webhooks', OPENREGISTER_PASSWORD: 'app-password' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

describe('loadConfig: catch-up', () => {
  it('is off, and so is previous-state tracking, without OPENREGISTER_URL', () => {
    const config = load({});
    expect(config.catchup).toBeUndefined();
    expect(config.trackPreviousState).toBe(false);
  });

  it("reads OpenRegister's API under the Nextcloud URL, every 30 s from now, with previous states, by default", () => {
    const config = load({ OPENREGISTER_URL: 'https://nc.example.org/', ...credentials });
    expect(config.catchup).toEqual({
      apiUrl: 'https://nc.example.org/index.php/apps/openregister/api',
      username: 'webhooks',
      password: 'app-password',
      requestTimeoutInMs: 10_000,
      intervalInSeconds: 30,
      from: 'now',
      source: 'auto',
      registers: [],
      schemas: [],
      pageSize: 500,
      leaseInSeconds: 60,
    });
    expect(config.trackPreviousState).toBe(true);
  });

  it('takes a URL that already names the API as it is, and every setting from the environment', () => {
    const config = load({
      OPENREGISTER_URL: 'http://nc.local:8080/index.php/apps/openregister/api',
      ...credentials,
      CATCHUP_FROM: '1234',
      CATCHUP_SOURCE: 'audit-trail',
      CATCHUP_REGISTERS: 'meldingen, 5',
      CATCHUP_SCHEMAS: 'melding',
      CATCHUP_INTERVAL_SECONDS: '5',
      CATCHUP_PAGE_SIZE: '1000',
      CATCHUP_LEASE_SECONDS: '20',
      OPENREGISTER_TIMEOUT_MS: '2500',
      TRACK_PREVIOUS_STATE: 'false',
    });
    expect(config.catchup).toMatchObject({
      apiUrl: 'http://nc.local:8080/index.php/apps/openregister/api',
      from: 1234,
      source: 'audit-trail',
      registers: ['meldingen', '5'],
      schemas: ['melding'],
      intervalInSeconds: 5,
      pageSize: 1000,
      leaseInSeconds: 20,
      requestTimeoutInMs: 2500,
    });
    expect(config.trackPreviousState).toBe(false);
    expect(load({ OPENREGISTER_URL: 'https://nc', ...credentials, CATCHUP_FROM: 'oldest' }).catchup?.from).toBe('oldest');
  });

  it('refuses to start without the credentials, naming both variables', () => {
    expect(() => load({ OPENREGISTER_URL: 'https://nc.example.org', OPENREGISTER_USERNAME: 'webhooks' })).toThrow(/OPENREGISTER_USERNAME, OPENREGISTER_PASSWORD: both are required with OPENREGISTER_URL/);
  });

  it.each([
    [{ OPENREGISTER_URL: 'nc.example.org' }, /OPENREGISTER_URL="nc.example.org": OPENREGISTER_URL must be the http\(s\) URL of Nextcloud/],
    [{ CATCHUP_FROM: 'yesterday' }, /CATCHUP_FROM must be now, oldest or a feed cursor/],
    [{ CATCHUP_SOURCE: 'webhooks' }, /CATCHUP_SOURCE must be one of auto, feed, audit-trail/],
    [{ CATCHUP_PAGE_SIZE: '5000' }, /CATCHUP_PAGE_SIZE=5000: must be at most 1000/],
    [{ CATCHUP_INTERVAL_SECONDS: '0' }, /CATCHUP_INTERVAL_SECONDS=0: must be at least 1/],
    [{ TRACK_PREVIOUS_STATE: 'sometimes' }, /TRACK_PREVIOUS_STATE must be true or false/],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(() => load({ OPENREGISTER_URL: 'https://nc.example.org', ...credentials, ...env })).toThrow(message);
  });
});
