// Compiles the parse path (parseDelivery, signedTimestampOf, normaliseEvent, idempotencyKey and
// the sources they import) of one source tree with SWC, so bench/parse.mjs can load two versions
// side by side in one process: the working tree and, say, a `git worktree` of an older commit.
//
// The output goes under this checkout's node_modules/.cache so that bare imports
// (class-validator, microdiff, ...) resolve to this checkout's node_modules for both versions.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import swc from '@swc/core';

const ENTRIES = ['ingest/parse-delivery.ts', 'ingest/signed-timestamp.ts', 'events/normalise-event.ts', 'idempotency/idempotency-key.ts'];

// The same settings as jest.config.js: decorators and their metadata, which the DTOs need.
const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: false,
};

/** Relative imports that survive compilation (type-only imports are erased, so they are skipped). */
function relativeImports(source) {
  const found = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.{1,2}\/[^']+)\.js';/gms)) found.push(match[1]);
  return found;
}

/**
 * Compiles the parse path of `<root>/src` into `<cacheDir>/<label>/` and imports it.
 * @returns the four functions the parse pipe calls, in that version.
 */
export async function loadParsePath(root, label, cacheDir) {
  const srcDir = path.join(root, 'src');
  const outDir = path.join(cacheDir, label);
  rmSync(outDir, { recursive: true, force: true });
  const pending = [...ENTRIES];
  const done = new Set();
  while (pending.length > 0) {
    const file = path.normalize(pending.pop());
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(path.join(srcDir, file), 'utf8');
    const { code } = await swc.transform(source, { ...SWC_OPTIONS, filename: file });
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, code);
    for (const specifier of relativeImports(source)) pending.push(path.join(path.dirname(file), `${specifier}.ts`));
  }
  const load = (entry) => import(pathToFileURL(path.join(outDir, entry.replace(/\.ts$/, '.js'))).href);
  const [{ parseDelivery }, { signedTimestampOf }, { normaliseEvent }, { idempotencyKey }] = await Promise.all(ENTRIES.map(load));
  return { label, parseDelivery, signedTimestampOf, normaliseEvent, idempotencyKey };
}
