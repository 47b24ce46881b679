import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';

const load = (env: Record<string, string>) => loadConfig({ WEBHOOK_SECRETS: 'fixture-secret', ...env });

describe('loadConfig: SQLITE_STORE_THREAD', () => {
  it('is off by default and on with true, on the default sqlite driver', () => {
    expect(load({}).delivery.storeThread).toBe(false);
    expect(load({ SQLITE_STORE_THREAD: 'true' }).delivery).toMatchObject({ store: 'sqlite', storeThread: true });
    expect(load({ SQLITE_STORE_THREAD: 'false' }).delivery.storeThread).toBe(false);
  });

  it.each(['memory', 'postgres'])('refuses to start with STORE_DRIVER=%s, naming both settings', (driver) => {
    expect(() => load({ SQLITE_STORE_THREAD: 'true', STORE_DRIVER: driver, DATABASE_URL: 'postgres://db/webhooks' })).toThrow(
      `SQLITE_STORE_THREAD=true: only with STORE_DRIVER=sqlite (the thread opens DATA_DIR's database file), not ${driver}`,
    );
  });

  it('refuses a value that is not a boolean, naming it', () => {
    expect(() => load({ SQLITE_STORE_THREAD: 'yes please' })).toThrow(/SQLITE_STORE_THREAD/);
  });
});
