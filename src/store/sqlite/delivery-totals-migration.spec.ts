import { describe, expect, it } from '@jest/globals';
import { addDeliveryTotals } from './delivery-totals-migration.js';
import { openDatabase } from './sqlite-database.js';

const totals = (db: ReturnType<typeof openDatabase>) => db.prepare('SELECT succeeded, dead FROM delivery_totals').all();

describe('delivery_totals (SQLite)', () => {
  it('counts the finished rows of a file written before it existed, once, then keeps counting', () => {
    const db = openDatabase(':memory:');
    // A file of the version before: no table, no triggers.
    db.exec('DROP TABLE delivery_totals');
    for (const trigger of ['inserted', 'updated', 'deleted']) db.exec(`DROP TRIGGER delivery_totals_${trigger}`);
    const insert = db.prepare(`INSERT INTO deliveries (id, idempotency_key, event, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, '', ?, 0, 0, 0)`);
    ['succeeded', 'succeeded', 'dead', 'queued'].forEach((status, i) => insert.run(`d-${i}`, `k-${i}`, status));

    addDeliveryTotals(db);
    expect(totals(db)).toEqual([{ succeeded: 2, dead: 1 }]);
    addDeliveryTotals(db);
    expect(totals(db)).toEqual([{ succeeded: 2, dead: 1 }]);

    db.exec(`UPDATE deliveries SET status = 'dead' WHERE id = 'd-3'`);
    db.exec(`UPDATE deliveries SET status = 'queued' WHERE id = 'd-0'`);
    db.exec(`DELETE FROM deliveries WHERE status = 'dead'`);
    expect(totals(db)).toEqual([{ succeeded: 1, dead: 0 }]);
    db.exec('DELETE FROM deliveries');
    expect(totals(db)).toEqual([{ succeeded: 0, dead: 0 }]);
    db.close();
  });
});
