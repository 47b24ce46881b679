import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const LOCK_FILE = 'openregister-webhooks.lock';

/** DATA_DIR cannot be used; the message names the variable and the reason. */
export class DataDirError extends Error {
  constructor(dir: string, reason: string) {
    super(`DATA_DIR=${dir}: ${reason}`);
  }
}

/**
 * Makes sure DATA_DIR is a writable directory, creating what is missing one level at a time.
 * Not `mkdirSync(dir, { recursive: true })`: on some paths (`/proc/x`) Node's recursive mkdir
 * retries for ever instead of failing, and the service would hang at start without a word.
 */
export function prepareDataDir(dir: string): void {
  const missing: string[] = [];
  let existing = resolve(dir);
  for (;;) {
    const kind = kindOf(existing);
    if (kind === 'directory') break;
    if (kind === 'other') throw new DataDirError(dir, `${existing} exists and is not a directory`);
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      throw new DataDirError(dir, `cannot create ${path}: ${(error as Error).message}`);
    }
  }
  try {
    accessSync(resolve(dir), constants.W_OK | constants.X_OK);
  } catch {
    throw new DataDirError(dir, 'the directory is not writable');
  }
}

function kindOf(path: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    // A file somewhere above: the walk up names it.
    if (code === 'ENOTDIR') return 'missing';
    throw error;
  }
}

/**
 * One process per DATA_DIR: the embedded store is not made to be shared, and a second process
 * would take the first one's running deliveries for a crash's leftovers and run them again.
 * The lock is an exclusive SQLite lock on a file of its own (an OS file lock, so it dies with the
 * process, even on SIGKILL), held from before the inbox is opened until the store closes.
 */
export class DataDirLock {
  private constructor(private readonly db: Database.Database) {}

  /** @throws DataDirError when DATA_DIR is unusable or another process holds it. */
  static acquire(dir: string): DataDirLock {
    prepareDataDir(dir);
    const path = join(dir, LOCK_FILE);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (error) {
      throw new DataDirError(dir, `cannot open ${path}: ${(error as Error).message}`);
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new DataDirError(dir, 'another openregister-webhooks process is using this directory (it holds its lock); give each process its own DATA_DIR, or use STORE_DRIVER=postgres for several replicas');
      }
      throw new DataDirError(dir, `cannot lock ${path}: ${(error as Error).message}`);
    }
    return new DataDirLock(db);
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}
