import type Database from 'better-sqlite3';

/**
 * Adds `idempotency_keys.delivery_id` (the delivery that first carried the change, so a duplicate
 * answer can name it) to files written before it existed. Keys written before stay NULL: their
 * duplicates are answered without the original's id until those keys expire.
 */
export function addKeyDeliveryIds(db: Database.Database): void {
  const columns = db.prepare(`SELECT name FROM pragma_table_info('idempotency_keys')`).pluck().all() as string[];
  if (!columns.includes('delivery_id')) db.exec(`ALTER TABLE idempotency_keys ADD COLUMN delivery_id TEXT`);
}
