import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

/** The least environment the service starts with. */
const base = { WEBHOOK_SECRETS: 'fixture-secret' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

describe('loadConfig', () => {
  describe('defaults', () => {
    const config = loadConfig(base);

    it('listens on 3000 and logs at info', () => {
      expect(config.port).toBe(3000);
      expect(config.logLevel).toBe('info');
    });

    it('uses the documented webhook defaults', () => {
      expect(config.webhook).toEqual({
        secrets: ['fixture-secret'],
        tokens: [],
        allowUnauthenticated: false,
        toleranceInSeconds: 300,
        bodyLimitInBytes: 5 * 1024 * 1024,
      });
    });

    it('allows every address and trusts no proxy', () => {
      expect(config.ipAllowlist).toEqual([]);
      expect(config.trustProxy).toBe(false);
    });

    it('forwards nowhere', () => {
      expect(config.forward.urls).toEqual([]);
    });
  });

  describe('credentials', () => {
    it('refuses to start without any credential, naming the three variables', () => {
      expect(() => loadConfig({})).toThrow(/WEBHOOK_SECRETS[\s\S]*WEBHOOK_TOKENS[\s\S]*WEBHOOK_ALLOW_UNAUTHENTICATED/);
    });

    it('refuses lists that hold only blanks and commas', () => {
      expect(() => loadConfig({ WEBHOOK_SECRETS: ' , ', WEBHOOK_TOKENS: ',' })).toThrow(/WEBHOOK_SECRETS/);
    });

    it('refuses WEBHOOK_ALLOW_UNAUTHENTICATED=false without a credential', () => {
      expect(() => loadConfig({ WEBHOOK_ALLOW_UNAUTHENTICATED: 'false' })).toThrow(/WEBHOOK_ALLOW_UNAUTHENTICATED/);
    });

    it('starts with WEBHOOK_ALLOW_UNAUTHENTICATED=true and no credential', () => {
      expect(loadConfig({ WEBHOOK_ALLOW_UNAUTHENTICATED: 'true' }).webhook.allowUnauthenticated).toBe(true);
    });

    it('starts with tokens only', () => {
      expect(loadConfig({ WEBHOOK_TOKENS: 'fixture-token' }).webhook.tokens).toEqual(['fixture-token']);
    });

    it('splits and trims comma lists, dropping empty items', () => {
      const { webhook } = loadConfig({ WEBHOOK_SECRETS: ' old , new ,, ', WEBHOOK_TOKENS: 't1,  t2' });
      expect(webhook.secrets).toEqual(['old', 'new']);
      expect(webhook.tokens).toEqual(['t1', 't2']);
    });

    it('refuses a WEBHOOK_ALLOW_UNAUTHENTICATED that is not a boolean, naming it', () => {
      expect(() => loadConfig({ WEBHOOK_ALLOW_UNAUTHENTICATED: 'maybe' })).toThrow(/WEBHOOK_ALLOW_UNAUTHENTICATED/);
    });
  });

  describe('numbers', () => {
    it('reads a whole number', () => {
      expect(load({ WEBHOOK_TOLERANCE_SECONDS: '60' }).webhook.toleranceInSeconds).toBe(60);
    });

    it('accepts tolerance 0', () => {
      expect(load({ WEBHOOK_TOLERANCE_SECONDS: '0' }).webhook.toleranceInSeconds).toBe(0);
    });

    it('names the variable when the value is not a number', () => {
      expect(() => load({ WEBHOOK_TOLERANCE_SECONDS: 'abc' })).toThrow(/WEBHOOK_TOLERANCE_SECONDS="abc"/);
    });

    it.each(['-1', '1.5', '1e3'])('refuses PORT=%s, naming it', (value) => {
      expect(() => load({ PORT: value })).toThrow(/PORT/);
    });

    it('refuses PORT=0', () => {
      expect(() => load({ PORT: '0' })).toThrow(/PORT=0/);
    });

    it('refuses a PORT above 65535', () => {
      expect(() => load({ PORT: '65536' })).toThrow(/PORT=65536/);
    });

    it('takes an empty variable as unset', () => {
      expect(load({ PORT: '' }).port).toBe(3000);
    });

    it('names every bad variable at once', () => {
      expect(() => load({ PORT: 'x', HANDLER_TIMEOUT_MS: 'y' })).toThrow(/PORT[\s\S]*HANDLER_TIMEOUT_MS|HANDLER_TIMEOUT_MS[\s\S]*PORT/);
    });
  });

  describe('IP_ALLOWLIST', () => {
    it('splits and trims the list', () => {
      expect(load({ IP_ALLOWLIST: ' 10.0.0.0/8 , 2001:db8::/32,192.0.2.1 ' }).ipAllowlist).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.1']);
    });

    it('names the variable and the bad entry', () => {
      expect(() => load({ IP_ALLOWLIST: '10.0.0.0/8, banana' })).toThrow(/IP_ALLOWLIST[\s\S]*"banana"/);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
    ])('reads %s as %s', (value, expected) => {
      expect(load({ TRUST_PROXY: value }).trustProxy).toBe(expected);
    });

    it('reads a hop count as a number', () => {
      expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    });

    it('reads a list of addresses and names, trimmed', () => {
      expect(load({ TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '2001:db8::1']);
    });

    it('refuses other characters, naming the variable', () => {
      expect(() => load({ TRUST_PROXY: '10.0.0.1;rm' })).toThrow(/TRUST_PROXY/);
    });
  });

  describe('FORWARD_URLS', () => {
    it('splits and trims a list of http(s) URLs', () => {
      expect(load({ FORWARD_URLS: 'https://gis.example.org/hook , http://localhost:8080/in' }).forward.urls).toEqual([
        'https://gis.example.org/hook',
        'http://localhost:8080/in',
      ]);
    });

    it('refuses another protocol, naming the variable', () => {
      expect(() => load({ FORWARD_URLS: 'ftp://gis.example.org/hook' })).toThrow(/FORWARD_URLS/);
    });

    it('refuses a list with one bad item', () => {
      expect(() => load({ FORWARD_URLS: 'https://gis.example.org/hook,not a url' })).toThrow(/FORWARD_URLS/);
    });

    it('refuses a URL without a protocol', () => {
      expect(() => load({ FORWARD_URLS: 'gis.example.org/hook' })).toThrow(/FORWARD_URLS/);
    });
  });

  describe('other choices', () => {
    it('refuses an unknown LOG_LEVEL, naming it', () => {
      expect(() => load({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    });

    it('refuses an unknown STORE_DRIVER, naming it', () => {
      expect(() => load({ STORE_DRIVER: 'postgres' })).toThrow(/STORE_DRIVER/);
    });

    it.each(['queued', 'inline'])('takes DELIVERY_MODE=%s', (mode) => {
      expect(load({ DELIVERY_MODE: mode }).delivery.mode).toBe(mode);
    });

    it.each(['async', 'Queued', 'inline '])('refuses DELIVERY_MODE=%j, naming it and the modes there are', (mode) => {
      expect(() => load({ DELIVERY_MODE: mode })).toThrow(`DELIVERY_MODE=${JSON.stringify(mode)}: DELIVERY_MODE must be one of queued, inline`);
    });

    it('refuses a WEBHOOK_BODY_LIMIT that is not a size, naming it', () => {
      expect(() => load({ WEBHOOK_BODY_LIMIT: 'huge' })).toThrow(/WEBHOOK_BODY_LIMIT/);
    });

    it('ignores variables it does not know', () => {
      expect(() => load({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
    });
  });
});
