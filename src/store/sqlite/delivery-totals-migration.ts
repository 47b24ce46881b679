import type Database from 'better-sqlite3';

/**
 * `delivery_totals`: the finished deliveries by status, kept by triggers as rows finish, are
 * replayed or pruned (any statement, so no code path can miss one), so the queue counts never
 * read the finished rows, whose number grows with retention. On a file written before it existed,
 * the existing rows are counted once, in the same transaction as the table and its triggers.
 */
export function addDeliveryTotals(db: Database.Database): void {
  if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'delivery_totals'`).get()) return;
  db.transaction(() =>
    db.exec(`
      CREATE TABLE delivery_totals (id INTEGER PRIMARY KEY CHECK (id = 1), succeeded INTEGER NOT NULL, dead INTEGER NOT NULL);
      INSERT INTO delivery_totals (id, succeeded, dead)
        SELECT 1, count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'dead') FROM deliveries WHERE status IN ('succeeded', 'dead');
      CREATE TRIGGER delivery_totals_inserted AFTER INSERT ON deliveries WHEN new.status IN ('succeeded', 'dead') BEGIN
        UPDATE delivery_totals SET succeeded = succeeded + (new.status = 'succeeded'), dead = dead + (new.status = 'dead');
      END;
      CREATE TRIGGER delivery_totals_updated AFTER UPDATE OF status ON deliveries
        WHEN old.status IS NOT new.status AND (old.status IN ('succeeded', 'dead') OR new.status IN ('succeeded', 'dead')) BEGIN
        UPDATE delivery_totals SET succeeded = succeeded + (new.status = 'succeeded') - (old.status = 'succeeded'), dead = dead + (new.status = 'dead') - (old.status = 'dead');
      END;
      CREATE TRIGGER delivery_totals_deleted AFTER DELETE ON deliveries WHEN old.status IN ('succeeded', 'dead') BEGIN
        UPDATE delivery_totals SET succeeded = succeeded - (old.status = 'succeeded'), dead = dead - (old.status = 'dead');
      END;
    `),
  )();
}
