import type Database from 'better-sqlite3';

/**
 * Moves the events that earlier versions kept in `deliveries.event` into `delivery_events`,
 * leaving '' behind, in one transaction (a crash keeps either every event where it was or every
 * one moved). Run at every open: the partial index `deliveries_event_inline` finds the rows left
 * to move without a scan, so once done it does nothing, and it also takes up rows that an older
 * version wrote into this file since. Returns how many events it moved.
 */
export function moveInlineEvents(db: Database.Database): number {
  return db.transaction(() => {
    // OR REPLACE: seq is never reused, so a clash would mean an older version rewrote the row; its event is the newer.
    db.prepare(`INSERT OR REPLACE INTO delivery_events (seq, event) SELECT seq, event FROM deliveries WHERE event != ''`).run();
    return db.prepare(`UPDATE deliveries SET event = '' WHERE event != ''`).run().changes;
  })();
}
