// Loads the parse path (parseDelivery, signedTimestampOf, normaliseEvent, idempotencyKey and the
// sources they import) of one source tree, compiled with SWC by compile-sources.mjs, so
// bench/parse.mjs can run two versions side by side in one process: the working tree and, say,
// a `git worktree` of an older commit.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSources } from './compile-sources.mjs';

const ENTRIES = ['ingest/parse-delivery.ts', 'ingest/signed-timestamp.ts', 'events/normalise-event.ts', 'idempotency/idempotency-key.ts'];

/**
 * Compiles the parse path of `<root>/src` into `<cacheDir>/<label>/` and imports it.
 * @returns the four functions the parse pipe calls, in that version.
 */
export async function loadParsePath(root, label, cacheDir) {
  const outDir = path.join(cacheDir, label);
  await compileSources(root, ENTRIES, outDir);
  const load = (entry) => import(pathToFileURL(path.join(outDir, entry.replace(/\.ts$/, '.js'))).href);
  const [{ parseDelivery }, { signedTimestampOf }, { normaliseEvent }, { idempotencyKey }] = await Promise.all(ENTRIES.map(load));
  return { label, parseDelivery, signedTimestampOf, normaliseEvent, idempotencyKey };
}
