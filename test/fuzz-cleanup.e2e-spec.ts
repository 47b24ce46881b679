/**
 * The fuzzer (scripts/fuzz/run.mjs) leaves no temporary folder behind (issue 20), on every way
 * out: a run that ends, and an interrupt in the middle of one, where it must also stop the service
 * it started. It runs the built service: `npx nest build` first.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Everything under `dir`, as paths relative to it. */
function contents(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the fuzzer cleans up after itself', () => {
  // The fuzzer's temporary folders are made in os.tmpdir(), which follows TMPDIR.
  let tmp: string;
  let fuzzer: ChildProcess | undefined;
  let output = '';

  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'fuzz-cleanup-spec-'));
    output = '';
  });
  afterEach(() => {
    if (fuzzer?.exitCode === null && fuzzer.signalCode === null) fuzzer.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  function startFuzzer(seconds: number): ChildProcess {
    fuzzer = spawn(process.execPath, ['scripts/fuzz/run.mjs'], {
      cwd: ROOT,
      // A fixed seed: the cases are the same on every run; none of them is a finding.
      env: { PATH: process.env.PATH ?? '', TMPDIR: tmp, FUZZ_SECONDS: String(seconds), FUZZ_SEED: '20', FUZZ_CONCURRENCY: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    fuzzer.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    fuzzer.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return fuzzer;
  }

  it('after a run that ends', async () => {
    const child = startFuzzer(1);
    const [code] = await once(child, 'exit');
    expect({ code, output }).toMatchObject({ code: 0, output: expect.stringContaining('fuzz: no findings') });
    expect(contents(tmp)).toEqual([]);
  });

  it('after SIGINT in the middle of a run, with the service it started stopped', async () => {
    const child = startFuzzer(120);
    // The service is up and under load once its memory hook has written a sample (every 2 s).
    await waitFor(() => contents(tmp).some((file) => file.endsWith('memory-queued.jsonl')), { timeoutInMs: 20_000, what: 'the service to run' });
    const workDir = path.join(tmp, contents(tmp).find((file) => file.startsWith('fuzz-'))!);
    expect(contents(workDir).length).toBeGreaterThan(0);
    const servicePids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    expect(servicePids).toHaveLength(1);

    child.kill('SIGINT');
    const [code] = await once(child, 'exit');

    expect({ code, output }).toMatchObject({ code: 130, output: expect.stringContaining('SIGINT: stopping the service') });
    expect(output).not.toContain('FINDING');
    expect(contents(tmp)).toEqual([]);
    expect(servicePids.filter(isRunning)).toEqual([]);
  });
});
