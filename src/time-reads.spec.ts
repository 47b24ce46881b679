import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every read of the time of day goes through the injected Clock (src/common/clock.ts), so tests
// can move time instead of waiting for it. A `Date.now()` or `new Date()` elsewhere would be a
// time no test controls. Durations against real timers use performance.now(), which is allowed.

const SRC = dirname(fileURLToPath(import.meta.url));
const TIME_READ = /\bDate\.now\b|\bnew Date\(\s*\)/;

/** Files that may read the time themselves, each with its reason. */
const ALLOWED: Record<string, string> = {
  'common/clock.ts': 'the system clock itself',
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `file:line: code` for each line of `text` that reads the time, comments left out. */
function timeReads(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '));
  return code.split('\n').flatMap((line, index) => {
    const withoutComment = line.replace(/(^|[^:'"`])\/\/.*$/, '$1');
    return TIME_READ.test(withoutComment) ? [`${file}:${index + 1}: ${line.trim()}`] : [];
  });
}

const name = (path: string) => relative(SRC, path).split(sep).join('/');

describe('reads of the time of day', () => {
  it('are found in code, and not in comments (so the next test can fail)', () => {
    const text = ['/** Date.now() in a doc comment */', 'const a = 1; // new Date() in a line comment', 'const at = Date.now();', 'const read = Date.now;', 'const date = new Date( );', 'const fixed = new Date(0);'].join('\n');
    expect(timeReads('x.ts', text)).toEqual(['x.ts:3: const at = Date.now();', 'x.ts:4: const read = Date.now;', 'x.ts:5: const date = new Date( );']);
  });

  it('go through the Clock everywhere in src/ but the allowed files', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(100);
    const reads = files.filter((file) => !(name(file) in ALLOWED)).flatMap((file) => timeReads(name(file), readFileSync(file, 'utf8')));
    expect(reads).toEqual([]);
  });

  it('allows only files that still read the time (an entry left behind would allow a new read unseen)', () => {
    for (const file of Object.keys(ALLOWED)) expect(timeReads(file, readFileSync(join(SRC, file), 'utf8'))).not.toEqual([]);
  });
});
