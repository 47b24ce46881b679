import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPostgresUserCanRun, folderClosedToOthers } from './support/reachable-by-others.mjs';

/** The test database's own set-up: a checkout the server's user cannot reach ends the run with what to do. */
describe('the embedded test PostgreSQL in a checkout closed to other users', () => {
  const outer = mkdtempSync(join(tmpdir(), 'orw-closed-'));
  const binary = join(outer, 'checkout', 'node_modules', 'bin', 'initdb');
  mkdirSync(join(outer, 'checkout', 'node_modules', 'bin'), { recursive: true });
  writeFileSync(binary, '');
  afterAll(() => rmSync(outer, { recursive: true, force: true }));

  it('names the folder others cannot enter (mkdtemp makes it 0700)', () => {
    chmodSync(outer, 0o700);
    expect(folderClosedToOthers(binary)).toBe(outer);
    expect(() => assertPostgresUserCanRun(binary)).toThrow(`cannot enter ${outer}`);
    expect(() => assertPostgresUserCanRun(binary)).toThrow('TEST_DATABASE_URL');
  });

  it('finds nothing to say once others may enter every folder on the way', () => {
    chmodSync(outer, 0o755);
    expect(folderClosedToOthers(binary)).toBeUndefined();
    expect(() => assertPostgresUserCanRun(binary)).not.toThrow();
  });
});
