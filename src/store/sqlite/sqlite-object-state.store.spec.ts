import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeObjectStateStoreContract, OBJECT_STATE_CONTRACT_NOW } from '../object-state-store.contract.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteObjectStateStore } from './sqlite-object-state.store.js';

describeObjectStateStoreContract('sqlite', {
  durable: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'orw-object-state-contract-'));
    const clock = { now: OBJECT_STATE_CONTRACT_NOW };
    let db = openDatabase(dir);
    const open = () => new SqliteObjectStateStore(db, { now: () => clock.now });
    return {
      store: open(),
      advance: (ms) => void (clock.now += ms),
      async reopen() {
        db.close();
        db = openDatabase(dir);
        return open();
      },
      async dispose() {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describeObjectStateStoreContract('memory', {
  durable: false,
  async open() {
    const clock = { now: OBJECT_STATE_CONTRACT_NOW };
    const db = openDatabase(':memory:');
    return { store: new SqliteObjectStateStore(db, { now: () => clock.now }), advance: (ms) => void (clock.now += ms), dispose: async () => void db.close() };
  },
});
