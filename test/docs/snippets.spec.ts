import { describe, expect, it } from '@jest/globals';
import { marked, type Tokens } from 'marked';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXTENSIONS_MODULE = join(ROOT, 'src', 'extensions', 'extensions.module.ts');
/** Parsed files of the project and its dependencies, shared by every check (they do not change). */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** The `ts` code blocks of a Markdown file that define the ExtensionsModule a reader pastes. */
function extensionsModuleSnippets(file: string): string[] {
  return marked
    .lexer(readFileSync(join(ROOT, file), 'utf8'))
    .filter((token): token is Tokens.Code => token.type === 'code' && token.lang === 'ts')
    .map((token) => token.text)
    .filter((text) => text.includes('export class ExtensionsModule'));
}

/**
 * Type-checks `source` as if it were pasted over src/extensions/extensions.module.ts, with the
 * project's compiler options (ESM resolution: a relative import without `.js` is an error).
 */
function diagnosticsAsExtensionsModule(source: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const options = { ...config!.options, noEmit: true, incremental: false };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (path) => (resolve(path) === EXTENSIONS_MODULE ? source : readFile(path));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (path, language, onError, create) => {
    if (resolve(path) === EXTENSIONS_MODULE) return ts.createSourceFile(path, source, language);
    if (!parsed.has(path)) parsed.set(path, getSourceFile(path, language, onError, create));
    return parsed.get(path);
  };
  const program = ts.createProgram([EXTENSIONS_MODULE], options, host);
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(EXTENSIONS_MODULE))
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('the handler snippets compile as pasted', () => {
  const snippets = [...extensionsModuleSnippets('README.md'), ...extensionsModuleSnippets('docs/handlers.md')];

  it('README and docs/handlers.md each show how to switch the example handler on', () => {
    expect(extensionsModuleSnippets('README.md')).toHaveLength(1);
    expect(extensionsModuleSnippets('docs/handlers.md')).toHaveLength(1);
  });

  it.each(snippets.map((snippet, index) => [index, snippet]))('snippet %i type-checks as src/extensions/extensions.module.ts', (_index, snippet) => {
    expect(diagnosticsAsExtensionsModule(snippet as string)).toEqual([]);
  }, 60_000);

  it('a snippet without its imports, or with an import missing its .js, does not', () => {
    const withoutImports = snippets[0].split('\n').filter((line) => !line.startsWith('import ')).join('\n');
    expect(diagnosticsAsExtensionsModule(withoutImports).join('\n')).toMatch(/Cannot find name 'Module'/);
    const withoutSuffix = snippets[0].replace("'./building-index.handler.js'", "'./building-index.handler'");
    expect(diagnosticsAsExtensionsModule(withoutSuffix).join('\n')).toMatch(/Cannot find module '\.\/building-index\.handler'/);
  }, 60_000);
});
