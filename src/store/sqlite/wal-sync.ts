import { closeSync, fdatasync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const fdatasyncAsync = promisify(fdatasync);

/**
 * Makes committed transactions durable by syncing SQLite's write-ahead log on libuv's thread
 * pool, so the event loop goes on parsing the next deliveries while the disk works (with
 * `synchronous = FULL` SQLite would sync inside the commit, blocking it).
 *
 * Why this is as durable as FULL: in WAL mode a commit only appends frames (and, when the log
 * restarts, a header) to the `-wal` file; `fdatasync` of that file after the commit puts all of
 * them on disk, as FULL's own sync would. At `synchronous = NORMAL` SQLite still syncs the log and
 * the database around every checkpoint, and restarts the log only after a complete one, so
 * frames synced here are never overwritten before they are in the database. A file's data is
 * synced through any descriptor of it; the log keeps its inode while a connection is open, and a
 * new inode (a new log) is opened, and its directory entry synced, before it is relied on.
 *
 * At most one sync runs at a time. Commits made while it runs wait for it, then share the next
 * one: under load one sync covers every batch committed during the previous sync, instead of
 * each batch paying (in kernel CPU) for a sync of its own next to the others.
 */
export class WalSync {
  private fd?: number;
  private inode?: number;
  /** Descriptors of logs replaced meanwhile: a sync may still run on them, closed at the end. */
  private readonly retired: number[] = [];
  private running = 0;
  private closing = false;
  /** The sync running now; it may have started before the latest commits. */
  private current?: Promise<void>;
  /** The sync that starts when the current one ends, shared by everyone who asked meanwhile. */
  private next?: Promise<void>;

  constructor(
    private readonly walPath: string,
    private readonly datasync: (fd: number) => Promise<void> = fdatasyncAsync,
  ) {}

  /** Resolves once everything committed so far is on disk. */
  sync(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('The store is closed'));
    if (this.next) return this.next;
    if (!this.current) return this.start();
    // Counted as running from now: what was committed before a close is still synced after it.
    this.running++;
    const afterCurrent = () => {
      // From here on, a new commit needs a sync that starts after it: not this one.
      this.next = undefined;
      this.running--;
      return this.start();
    };
    this.next = this.current.then(afterCurrent, afterCurrent);
    return this.next;
  }

  private start(): Promise<void> {
    const sync = this.syncOnce();
    this.current = sync;
    const clear = () => {
      if (this.current === sync) this.current = undefined;
    };
    sync.then(clear, clear);
    return sync;
  }

  private async syncOnce(): Promise<void> {
    this.running++;
    try {
      await this.datasync(this.descriptor());
    } finally {
      this.running--;
      if (this.closing && this.running === 0) this.closeDescriptors();
    }
  }

  /** Closes the descriptors once no sync runs on them (a closed number could be reused meanwhile). */
  close(): void {
    this.closing = true;
    if (this.running === 0) this.closeDescriptors();
  }

  private closeDescriptors(): void {
    for (const fd of [...this.retired, ...(this.fd === undefined ? [] : [this.fd])]) closeSync(fd);
    this.retired.length = 0;
    this.fd = undefined;
  }

  private descriptor(): number {
    const { ino } = statSync(this.walPath);
    if (this.fd === undefined || ino !== this.inode) {
      if (this.fd !== undefined) this.retired.push(this.fd);
      // Read-write though nothing is written through it: Windows flushes only handles opened for writing.
      this.fd = openSync(this.walPath, 'r+');
      this.inode = ino;
      syncDirectory(dirname(this.walPath));
    }
    return this.fd;
  }
}

/** A new file survives a crash only once its directory entry is on disk too. */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
