import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock, prepareDataDir } from './data-dir.js';

describe('DATA_DIR', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'orw-data-dir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates missing levels of the directory', () => {
    prepareDataDir(join(root, 'a', 'b'));
    expect(statSync(join(root, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('refuses a path that is a file, naming DATA_DIR', () => {
    const file = join(root, 'file');
    writeFileSync(file, '');
    expect(() => prepareDataDir(file)).toThrow(`DATA_DIR=${file}: ${file} exists and is not a directory`);
    expect(() => prepareDataDir(join(file, 'below'))).toThrow(/^DATA_DIR=.*exists and is not a directory$/);
  });

  it('refuses, at once, a path below /proc where nothing can be created', () => {
    expect(() => prepareDataDir('/proc/openregister-webhooks/data')).toThrow(/^DATA_DIR=\/proc\/openregister-webhooks\/data: cannot create \/proc\/openregister-webhooks/);
  });

  it('lets one holder at a time lock a directory, and the next one once it is released', () => {
    const first = DataDirLock.acquire(root);
    expect(() => DataDirLock.acquire(root)).toThrow(`DATA_DIR=${root}: another openregister-webhooks process is using this directory`);
    first.release();
    DataDirLock.acquire(root).release();
  });
});
