import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { describeCatchupStateStoreContract } from '../catchup-state-store.contract.js';
import { openDatabase } from './sqlite-database.js';
import { SqliteCatchupStateStore } from './sqlite-catchup-state.store.js';

/** The lease clock moves only when the contract lets time pass: no case waits on the wall clock. */
function movableClock() {
  const clock = new FakeClock();
  return {
    now: () => clock.now(),
    elapse: async (ms: number) => clock.advance(ms),
  };
}

describeCatchupStateStoreContract('sqlite', {
  durable: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'orw-catchup-contract-'));
    const clock = movableClock();
    let db = openDatabase(dir);
    const open = () => new SqliteCatchupStateStore(db, { now: clock.now });
    return {
      store: open(),
      ...clock,
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

describeCatchupStateStoreContract('memory', {
  durable: false,
  async open() {
    const clock = movableClock();
    const db = openDatabase(':memory:');
    return { store: new SqliteCatchupStateStore(db, { now: clock.now }), ...clock, dispose: async () => void db.close() };
  },
});
