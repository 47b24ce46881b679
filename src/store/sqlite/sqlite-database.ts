import Database from 'better-sqlite3';
import { join } from 'node:path';
import { prepareDataDir } from './data-dir.js';
import { moveInlineEvents } from './inline-event-migration.js';
import { addKeyDeliveryIds } from './key-delivery-id-migration.js';
import { addDeliveryTotals } from './delivery-totals-migration.js';
import { addTraceparents } from './traceparent-migration.js';
import { SCHEMA } from './schema.js';

export const DATABASE_FILE = 'openregister-webhooks.sqlite';

/**
 * Opens (and creates) the embedded database: in DATA_DIR on disk, or in memory for
 * STORE_DRIVER=memory. WAL lets readers (admin API, metrics) run beside the writer; the sync
 * level is NORMAL, and the inbox syncs the log itself before it acknowledges (`WalSync`).
 */
export function openDatabase(dataDir: string | ':memory:'): Database.Database {
  let path = ':memory:';
  if (dataDir !== ':memory:') {
    prepareDataDir(dataDir);
    path = join(dataDir, DATABASE_FILE);
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Checkpoint every ~40 MB of log instead of ~4 MB: pages rewritten by every batch (the ends of
  // the tables and indexes) are copied into the database once per checkpoint, not ten times.
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(SCHEMA);
  moveInlineEvents(db);
  addKeyDeliveryIds(db);
  addTraceparents(db);
  addDeliveryTotals(db);
  db.exec('CREATE TABLE IF NOT EXISTS store_health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL)');
  return db;
}
