/**
 * The chart's comments about the heap describe the runtime the image ships (issue 20: the heap
 * comment still spoke of Node 20 after the image moved to Node 24). The Node major is read from
 * the Dockerfile, so the next bump fails here until the comments are checked again.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHART = join(ROOT, 'helm', 'openregister-webhooks');

function chartFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? chartFiles(join(dir, entry.name)) : /\.(ya?ml|tpl|md|txt)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('the chart speaks of the Node release the image runs', () => {
  const imageMajor = /^ARG NODE_VERSION=(\d+)\./m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];

  it('finds the image Node major in the Dockerfile', () => {
    expect(imageMajor).toMatch(/^\d+$/);
  });

  it.each(chartFiles(CHART).map((file) => [file.slice(ROOT.length + 1), file]))('%s names no other Node major', (_name, file) => {
    const majors = [...readFileSync(file, 'utf8').matchAll(/\bNode(?:\.js)? (\d+)\b/g)].map((match) => match[1]);
    expect(majors.filter((major) => major !== imageMajor)).toEqual([]);
  });

  it('says in the heap ceiling comment which Node sizes the heap', () => {
    const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    expect(helpers).toMatch(new RegExp(`image's Node ${imageMajor}`));
  });
});
