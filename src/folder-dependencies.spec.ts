import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Folders depend one way: a cycle between two folders means neither can be read, tested or
// moved alone. The files at src/ itself (app.module, create-app, main) wire everything and
// belong to no folder. Only src/http/ may name an HTTP platform's packages.

const SRC = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;
const PLATFORM_PACKAGES = /^(express|fastify|raw-body|@nestjs\/platform-(express|fastify)|@fastify\/.*)$/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The top folder under src/ a file is in, or undefined for the files at src/ itself. */
function folderOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

function importsOf(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(IMPORT)].map((match) => match[1]);
}

/** folder → the folders its files import. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (from === undefined) continue;
    const targets = graph.get(from) ?? graph.set(from, new Set()).get(from)!;
    for (const specifier of importsOf(file).filter((name) => name.startsWith('.'))) {
      const to = folderOf(resolve(dirname(file), specifier));
      if (to !== undefined && to !== from) targets.add(to);
    }
  }
  return graph;
}

/** Every cycle of folders, each as the path that closes it (`a → b → a`). */
function folderCycles(graph: Map<string, Set<string>>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (folder: string, path: string[]) => {
    const seenAt = path.indexOf(folder);
    if (seenAt >= 0) {
      cycles.push([...path.slice(seenAt), folder].join(' → '));
      return;
    }
    if (done.has(folder)) return;
    for (const next of graph.get(folder) ?? []) visit(next, [...path, folder]);
    done.add(folder);
  };
  for (const folder of graph.keys()) visit(folder, []);
  return cycles;
}

describe('folder dependencies', () => {
  it('finds a cycle when there is one (so the next test can fail)', () => {
    const graph = new Map([
      ['ingest', new Set(['delivery', 'common'])],
      ['delivery', new Set(['ingest'])],
      ['common', new Set<string>()],
    ]);
    expect(folderCycles(graph)).toEqual(['ingest → delivery → ingest']);
  });

  it('has no cycle between the folders of src/', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(10);
    expect(graph.get('ingest')).toContain('delivery');
    expect(folderCycles(graph)).toEqual([]);
  });

  it('lets nothing import the operator CLI (src/cli/): it is an entry point, as main.ts is', () => {
    const importers = sourceFiles(SRC)
      .filter((file) => folderOf(file) !== 'cli')
      .filter((file) => importsOf(file).some((name) => name.startsWith('.') && folderOf(resolve(dirname(file), name)) === 'cli'))
      .map((file) => relative(SRC, file));
    expect(importers).toEqual([]);
    expect(folderGraph().get('cli')).toContain('catchup');
  });

  it('keeps the delivery path free of HTTP: src/delivery/ imports nothing from src/http/ (catch-up enters it too)', () => {
    expect(folderGraph().get('delivery')).not.toContain('http');
    expect(folderGraph().get('ingest')).toContain('http');
  });

  it('names express and fastify only in src/http/', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => folderOf(file) !== 'http')
      .flatMap((file) => importsOf(file).filter((name) => PLATFORM_PACKAGES.test(name)).map((name) => `${relative(SRC, file)}: ${name}`));
    expect(offenders).toEqual([]);
    expect(importsOf(join(SRC, 'http', 'express.platform.ts'))).toContain('express');
  });

  it('has the built-in handlers use the public handler API (src/handlers/index.ts), as a user\'s handler does', () => {
    // A file with @OnWebhookEvent outside src/handlers/ itself (builtin/ included) takes the API from index.ts only.
    const handlerFiles = sourceFiles(SRC).filter((file) => readFileSync(file, 'utf8').includes('@OnWebhookEvent(') && !/handlers[/\\][^/\\]+\.ts$/.test(file));
    expect(handlerFiles.map((file) => relative(SRC, file)).sort()).toEqual(
      expect.arrayContaining([join('extensions', 'building-index.handler.ts'), join('forwarding', 'forward.handler.ts'), join('handlers', 'builtin', 'audit-log.handler.ts')]),
    );
    const handlersFolder = join(SRC, 'handlers');
    const privateImports = handlerFiles.flatMap((file) =>
      importsOf(file)
        .filter((name) => name.startsWith('.'))
        .map((name) => resolve(dirname(file), name))
        .filter((target) => target.startsWith(handlersFolder + sep) && target !== join(handlersFolder, 'index.js'))
        .map((target) => `${relative(SRC, file)}: ${relative(SRC, target)}`),
    );
    expect(privateImports).toEqual([]);
  });
});
