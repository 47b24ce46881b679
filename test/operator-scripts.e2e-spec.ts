/**
 * Every script an operator or developer runs answers `--help` with its usage (exit 0, before it does
 * any work) and an unknown option with one line and the usage (exit 2), never a stack trace
 * (issue 20: bench/compare.mjs answered a bad argument with one). The service's own entry point
 * too: `node dist/main.js --help` (build first) says that configuration is by environment variables.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const SCRIPTS = [
  'bench/run.mjs',
  'bench/compare.mjs',
  'bench/burst.mjs',
  'bench/claim-plan.mjs',
  'bench/group-commit.mjs',
  'bench/memory.mjs',
  'bench/parse.mjs',
  'bench/profile.mjs',
  'bench/scrape.mjs',
  'bench/store.mjs',
  'scripts/fuzz/run.mjs',
  'scripts/install-helm.mjs',
  'scripts/install-node.mjs',
  'dist/main.js',
];

/** Runs a script with nothing from this environment that could make it start work. */
function run(script: string, args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    encoding: 'utf8',
    // Bounded: a script that started its work instead of answering fails here, not by hanging.
    timeout: 20_000,
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

const STACK_FRAME = /^\s+at .+[(:]\d+/m;

describe('the scripts an operator runs', () => {
  it.each(SCRIPTS)('%s --help prints its usage on stdout and exits 0', (script) => {
    const answer = run(script, ['--help']);
    expect(answer).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(answer.stdout).toMatch(/^Usage: /);
    expect(answer.stdout).toMatch(/-h, --help/);
  });

  it.each(SCRIPTS)('%s -h is --help', (script) => {
    expect(run(script, ['-h'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: /) });
  });

  it.each(SCRIPTS)('%s answers an unknown option with one line and the usage, exit 2, no stack trace', (script) => {
    const answer = run(script, ['--no-such-option']);
    expect(answer.code).toBe(2);
    expect(answer.stdout).toBe('');
    const [first, blank, usage] = answer.stderr.split('\n');
    expect(first).toMatch(/: Unknown option '--no-such-option'$/);
    expect(blank).toBe('');
    expect(usage).toMatch(/^Usage: /);
    expect(answer.stderr).not.toMatch(STACK_FRAME);
  });

  it.each([
    ['bench/compare.mjs', ['--old', '/tmp/x', '--rounds', 'many'], /^bench\/compare\.mjs: --rounds takes an integer of at least 1, not 'many'$/m],
    ['bench/compare.mjs', [], /^bench\/compare\.mjs: --old <dir> is required/m],
    ['bench/compare.mjs', ['--old'], /^bench\/compare\.mjs: Option '--old <value>' argument missing$/m],
    // Node flags for one side start with a dash: the one-line answer says how to write them.
    ['bench/compare.mjs', ['--old', '/tmp/x', '--old-args', '--max-semi-space-size=16'], /^bench\/compare\.mjs: Option '--old-args' argument is ambiguous\. .*'--old-args=-XYZ'\.$/m],
    ['bench/compare.mjs', ['--old', '/tmp/x', '--new-env=SQLITE_STORE_THREAD'], /^bench\/compare\.mjs: --new-env takes NAME=value\[,NAME=value\], not 'SQLITE_STORE_THREAD'$/m],
    ['bench/compare.mjs', ['--old', '/tmp/x', '--mode', 'naive'], /^bench\/compare\.mjs: --mode takes a service target \(queued, inline, queued-fastify, inline-fastify\), not 'naive'$/m],
    ['bench/run.mjs', ['--sizes', '3kb'], /^bench\/run\.mjs: unknown size '3kb'/m],
    ['bench/burst.mjs', ['--stores', 'redis'], /^bench\/burst\.mjs: unknown store 'redis'/m],
    ['bench/scrape.mjs', ['--rows', 'many'], /^bench\/scrape\.mjs: --rows takes an integer of at least 0, not 'many'$/m],
    ['bench/memory.mjs', ['--mode', 'fast'], /^bench\/memory\.mjs: --mode takes queued or inline, not 'fast'$/m],
  ])('%s %j: a bad value is a usage error too', (script, args, message) => {
    const answer = run(script, args);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toMatch(message);
    expect(answer.stderr).not.toMatch(STACK_FRAME);
  });

  it('node dist/main.js --help says what it is, that it is configured by environment variables, and where to read more', () => {
    const { stdout } = run('dist/main.js', ['--help']);
    expect(stdout).toMatch(/openregister-webhooks/);
    expect(stdout).toMatch(/environment variable/);
    expect(stdout).toContain('docs/configuration.md');
    expect(stdout).toContain('openregister-webhooks --help');
  });

  it('node dist/main.js with an option it does not have starts nothing: PORT is an environment variable', () => {
    const answer = run('dist/main.js', ['--port', '8080']);
    expect(answer.code).toBe(2);
    expect(answer.stderr.split('\n')[0]).toBe("openregister-webhooks: Unknown option '--port'");
  });
});
