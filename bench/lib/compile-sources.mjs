// Compiles some entry files of one source tree, and the sources they import, with SWC (the
// settings of jest.config.js, imported from it), so a benchmark can load two versions of the same
// code: this checkout and, say, a `git worktree` of an older commit. Write the output under this checkout's
// node_modules/.cache so bare imports (better-sqlite3, @nestjs/common, ...) resolve for both.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import swc from '@swc/core';
import { SWC_OPTIONS } from '../../jest.config.js';

/** Relative imports that survive compilation (type-only imports are erased, so they are skipped). */
function relativeImports(source) {
  const found = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.{1,2}\/[^']+)\.js';/gms)) found.push(match[1]);
  return found;
}

/** Compiles `entries` (paths under `<root>/src`) and what they import into `outDir`. */
export async function compileSources(root, entries, outDir) {
  const srcDir = path.join(root, 'src');
  rmSync(outDir, { recursive: true, force: true });
  const pending = [...entries];
  const done = new Set();
  while (pending.length > 0) {
    const file = path.normalize(pending.pop());
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(path.join(srcDir, file), 'utf8');
    const { code } = await swc.transform(source, { ...SWC_OPTIONS, sourceMaps: false, filename: file });
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, code);
    for (const specifier of relativeImports(source)) pending.push(path.join(path.dirname(file), `${specifier}.ts`));
  }
}
