import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokenLinks, markdownFilesUnder, parseMarkdown } from './markdown-links.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The documentation a reader follows: the README, docs/, the benchmark's and the chart's READMEs. */
const DOCUMENTS = [
  join(ROOT, 'README.md'),
  ...markdownFilesUnder(join(ROOT, 'docs')),
  join(ROOT, 'bench', 'README.md'),
  join(ROOT, 'helm', 'openregister-webhooks', 'README.md'),
];

describe('documentation links', () => {
  it('reads the documents it is meant to, and finds their relative links', () => {
    expect(DOCUMENTS.every((file) => existsSync(file))).toBe(true);
    expect(DOCUMENTS.length).toBeGreaterThan(8);
    const relativeLinks = DOCUMENTS.flatMap((file) => parseMarkdown(readFileSync(file, 'utf8')).hrefs).filter((href) => !/^[a-z]+:/i.test(href));
    expect(relativeLinks.length).toBeGreaterThan(30);
  });

  it('every relative link and #anchor in README.md, docs/, bench/ and the chart resolves', () => {
    expect(brokenLinks(DOCUMENTS, ROOT)).toEqual([]);
  });

  it('the README links to every docs page', () => {
    const { hrefs } = parseMarkdown(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const linked = new Set(hrefs.map((href) => resolve(ROOT, href.split('#')[0])));
    // The decision records are reached through their index, docs/adr/README.md.
    const pages = markdownFilesUnder(join(ROOT, 'docs')).filter((file) => !/\/adr\/\d{4}-/.test(file));
    expect(pages.filter((page) => !linked.has(page)).map((page) => page.slice(ROOT.length + 1))).toEqual([]);
  });
});

describe('the link checker', () => {
  it('reports a missing file, a missing anchor and an anchor into a folder, and accepts GitHub anchors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'page.md'), '# Page\n\n## 5. Register in Nextcloud (`webhook_listeners`)\n\n## Twice\n\n## Twice\n');
      writeFileSync(
        join(dir, 'index.md'),
        [
          '# Index',
          '[ok](sub/page.md) [ok anchor](sub/page.md#5-register-in-nextcloud-webhook_listeners) [dup](sub/page.md#twice-1)',
          '[self](#index) [folder](sub/) [web](https://example.org/missing) [mail](mailto:a@b.c)',
          '[gone](sub/missing.md) [bad anchor](sub/page.md#nope) [folder anchor](sub/#x) [bad self](#nope)',
          '`[in code](nowhere.md)`',
          '```',
          '[in a block](nowhere.md)',
          '```',
        ].join('\n'),
      );
      const broken = brokenLinks([join(dir, 'index.md')], dir);
      expect(broken.map((link) => link.href)).toEqual(['sub/missing.md', 'sub/page.md#nope', 'sub/#x', '#nope']);
      expect(broken[0].reason).toBe('no such file: sub/missing.md');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
