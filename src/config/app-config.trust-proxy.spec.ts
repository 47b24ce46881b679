import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });

// Fastify's `trustProxy` (proxy-addr) throws "invalid IP address: banana" when the server is
// built, a message that does not name TRUST_PROXY: loadConfig must refuse these values itself.
describe('TRUST_PROXY values proxy-addr cannot use', () => {
  it.each(['banana', 'yes', '10.0.0.0/33', '10.1'])('refuses %j, naming TRUST_PROXY', (value) => {
    expect(() => load({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  it('reads " true " with stray spaces as true', () => {
    expect(load({ TRUST_PROXY: ' true ' }).trustProxy).toBe(true);
  });
});
