import type Database from 'better-sqlite3';

/**
 * Adds `deliveries.traceparent` (the W3C traceparent of the request that brought a delivery, for
 * the link from its attempts' spans) to files written before it existed; their rows stay NULL.
 */
export function addTraceparents(db: Database.Database): void {
  const columns = db.prepare(`SELECT name FROM pragma_table_info('deliveries')`).pluck().all() as string[];
  if (!columns.includes('traceparent')) db.exec(`ALTER TABLE deliveries ADD COLUMN traceparent TEXT`);
}
