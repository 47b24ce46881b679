import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });

// Express's `trust proxy` (proxy-addr) throws "invalid IP address: banana" at app.set() time,
// a message that does not name TRUST_PROXY: loadConfig must refuse these values itself.
describe('TRUST_PROXY values Express cannot use', () => {
  it.each(['banana', 'yes', '10.0.0.0/33', '10.1'])('refuses %j, naming TRUST_PROXY', (value) => {
    expect(() => load({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  it('reads " true " with stray spaces as true', () => {
    expect(load({ TRUST_PROXY: ' true ' }).trustProxy).toBe(true);
  });
});
