// Jest global setup. @nestjs/throttler is CommonJS that require()s the ESM-only Nest 12 packages.
// Node 20.19 loads that natively (require(esm)), but Jest's VM-module runtime only can on Node
// 24.9+. So for tests, wrap the package's own files, unchanged, into one ES module that Jest can
// load; jest.config.js maps `@nestjs/throttler` to it. Production never uses this file.
const { mkdirSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, '.tools', 'jest-esm', 'nestjs-throttler.mjs');

module.exports = function buildEsmInterop() {
  const dist = join(dirname(require.resolve('@nestjs/throttler')));
  const files = readdirSync(dist).filter((file) => file.endsWith('.js'));
  const externals = new Map();
  const modules = files.map((file) => {
    const source = readFileSync(join(dist, file), 'utf8').replace(/require\("([^"]+)"\)/g, (_, id) => {
      if (id.startsWith('./')) return `__require(${JSON.stringify(id.slice(2).replace(/\.js$/, ''))})`;
      if (!externals.has(id)) externals.set(id, `__external${externals.size}`);
      return externals.get(id);
    });
    return `${JSON.stringify(file.replace(/\.js$/, ''))}: (exports, module) => {\n${source}\n}`;
  });
  // The names to re-export, read through Node's own require(esm).
  const names = Object.keys(require('@nestjs/throttler'));
  const code = [
    ...[...externals].map(([id, name]) => `import * as ${name} from ${JSON.stringify(id)};`),
    `const __factories = {\n${modules.join(',\n')}\n};`,
    'const __cache = {};',
    'function __require(name) {',
    '  if (!__cache[name]) { const module = { exports: {} }; __cache[name] = module; __factories[name](module.exports, module); }',
    '  return __cache[name].exports;',
    '}',
    "const __index = __require('index');",
    ...names.map((name) => `export const ${name} = __index.${name};`),
  ].join('\n');
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, code);
};
