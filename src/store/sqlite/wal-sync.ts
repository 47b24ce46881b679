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
 */
export class WalSync {
  private fd?: number;
  private inode?: number;
  /** Descriptors of logs replaced meanwhile: a sync may still run on them, closed at the end. */
  private readonly retired: number[] = [];
  private running = 0;
  private closing = false;

  /** @param datasync the disk sync of a descriptor; replaceable so a test can see when it ends. */
  constructor(
    private readonly walPath: string,
    private readonly datasync: (fd: number) => Promise<void> = fdatasyncAsync,
  ) {}

  /** Resolves once everything committed so far is on disk. */
  async sync(): Promise<void> {
    if (this.closing) throw new Error('The store is closed');
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
