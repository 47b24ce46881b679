/**
 * Finds the relative links of Markdown files and checks that each resolves: the file (or folder)
 * exists and, when the link names an `#anchor` in a Markdown file, that file has a heading with
 * that anchor. Headings are parsed with `marked` (so links inside code blocks and spans are not
 * links) and turned into anchors with `github-slugger`, the rules GitHub itself uses.
 */
import GithubSlugger from 'github-slugger';
import { marked, type Token, type Tokens } from 'marked';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One link that does not resolve, with the file it is in and why. */
export interface BrokenLink {
  file: string;
  href: string;
  reason: string;
}

/** Every Markdown file under `dir` (recursive), skipping folders such as node_modules. */
export function markdownFilesUnder(dir: string, skip = new Set(['node_modules', '.git', 'dist', '.tools'])): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : markdownFilesUnder(path, skip);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The plain text of inline tokens, as GitHub renders a heading before slugging it. */
function plainText(tokens: Token[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  return tokens
    .map((token) => ('tokens' in token && token.tokens ? plainText(token.tokens, '') : 'text' in token ? String(token.text) : ''))
    .join('');
}

/** Walks every token, nested ones included, in document order. */
function walk(tokens: Token[], visit: (token: Token) => void): void {
  for (const token of tokens) {
    visit(token);
    if ('tokens' in token && token.tokens) walk(token.tokens, visit);
    if (token.type === 'list') for (const item of (token as Tokens.List).items) walk(item.tokens, visit);
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) walk(cell.tokens, visit);
    }
  }
}

/** The hrefs of the links and images of one Markdown text, and the anchors of its headings. */
export function parseMarkdown(text: string): { hrefs: string[]; anchors: Set<string> } {
  const tokens = marked.lexer(text);
  const slugger = new GithubSlugger();
  const hrefs: string[] = [];
  const anchors = new Set<string>();
  walk(tokens, (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens, (token as Tokens.Heading).text)));
    if (token.type === 'link' || token.type === 'image') hrefs.push((token as Tokens.Link).href);
  });
  // Raw HTML anchors (<a id="…">, <a name="…">) count too.
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  return { hrefs, anchors };
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Checks every relative link of `files` (absolute paths); `root` only shortens the reported paths. */
export function brokenLinks(files: string[], root: string): BrokenLink[] {
  const anchorsOf = new Map<string, Set<string>>();
  const anchorsFor = (file: string) => {
    if (!anchorsOf.has(file)) anchorsOf.set(file, parseMarkdown(readFileSync(file, 'utf8')).anchors);
    return anchorsOf.get(file)!;
  };
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const { hrefs } = parseMarkdown(readFileSync(file, 'utf8'));
    for (const href of hrefs) {
      if (EXTERNAL.test(href) || href.startsWith('//')) continue;
      const [pathPart, anchor] = splitHref(href);
      const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
      const report = (reason: string) => broken.push({ file: relative(root, file), href, reason });
      if (!existsSync(target)) {
        report(`no such file: ${relative(root, target)}`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(target).isDirectory() || !target.endsWith('.md')) {
        report('an anchor into something that is not a Markdown file');
        continue;
      }
      if (!anchorsFor(target).has(decodeURIComponent(anchor))) report(`no heading with anchor #${anchor} in ${relative(root, target)}`);
    }
  }
  return broken;
}

function splitHref(href: string): [string, string | undefined] {
  const hash = href.indexOf('#');
  return hash < 0 ? [href, undefined] : [href.slice(0, hash), href.slice(hash + 1)];
}
