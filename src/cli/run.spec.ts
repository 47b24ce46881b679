import { describe, expect, it } from '@jest/globals';
import { COMMANDS, EXIT, run } from './run.js';
import type { CliIo } from './io.js';

/** A CliIo for specs: what was printed, an environment, files from a map. */
function memoryIo(env: Record<string, string> = {}, files: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += `${text}\n`),
    err: (text: string) => void (io.stderr += `${text}\n`),
    env,
    readFile: (path: string) => {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return files[path];
    },
  };
  return io;
}

describe('openregister-webhooks: command lines', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints the commands on stdout, exit 0', async (flag) => {
    const io = memoryIo();
    expect(await run([flag], io)).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(io.stdout).toContain(command.name);
    expect(io.stderr).toBe('');
  });

  it.each(COMMANDS.map((command) => [command.name]))('%s --help prints its usage on stdout, without needing its required flags', async (name) => {
    const io = memoryIo();
    expect(await run([...name.split(' '), '--help'], io)).toBe(EXIT.ok);
    expect(io.stdout).toMatch(new RegExp(`^Usage: openregister-webhooks ${name}`));
    expect(io.stdout).toContain('-h, --help');
  });

  it.each([
    [[], /Missing command/, /^Usage: openregister-webhooks <command>/m],
    [['deploy'], /Unknown command 'deploy'/, /^Usage: openregister-webhooks <command>/m],
    [['deliveries'], /Missing subcommand/, /deliveries <list\|replay>/],
    [['deliveries', 'purge'], /Unknown command 'deliveries purge'/, /deliveries <list\|replay>/],
    [['register', '--url'], /Option '--url <value>' argument missing/, /register --url <url>/],
    [['register', '--password', 'x', '--url', 'https://w.example.org/webhooks/openregister'], /Unknown option '--password'/, /--password-file/],
    [['register'], /--url is required/, /register --url <url>/],
    [['register', '--url', 'ftp://x'], /--url must be an http\(s\) URL/, /register --url/],
    [['check', 'extra'], /Unexpected argument 'extra'/, /check \[--webhook-id/],
    [['check', '--webhook-id', 'seven'], /--webhook-id must be a whole number/, /check \[--webhook-id/],
    [['deliveries', 'list', '--status', 'failed'], /--status must be one of queued, processing, succeeded, dead/, /deliveries list/],
    [['deliveries', 'list', '--since', 'yesterday'], /--since must be an ISO 8601 date/, /deliveries list/],
    [['deliveries', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 10000/, /deliveries list/],
    [['deliveries', 'replay'], /give a delivery id or --all-dead$/m, /deliveries replay <id>/],
    [['deliveries', 'replay', 'abc', '--all-dead'], /not both/, /deliveries replay <id>/],
    [['deliveries', 'replay', 'a', 'b'], /Unexpected argument 'b'/, /deliveries replay <id>/],
  ])('%j: the mistake and the usage on stderr, exit 2', async (argv, mistake, usage) => {
    const io = memoryIo();
    expect(await run(argv, io)).toBe(EXIT.usage);
    expect(io.stderr).toMatch(mistake);
    expect(io.stderr).toMatch(usage);
    expect(io.stdout).toBe('');
  });

  it('a failure is one line on stderr naming the command, exit 1, and never repeats the password', async () => {
    const io = memoryIo({ OPENREGISTER_URL: 'https://nc.example.org', OPENREGISTER_PASSWORD: 'sekrit' });
    expect(await run(['register', '--url', 'https://w.example.org/webhooks/openregister'], io)).toBe(EXIT.failed);
    expect(io.stderr).toMatch(/^openregister-webhooks register: invalid configuration: OPENREGISTER_USERNAME, OPENREGISTER_PASSWORD: both are required .*--password-file\)\n$/);
    expect(io.stderr).not.toContain('sekrit');
  });

  it('reads --password-file without its final newline, and names a file it cannot read', async () => {
    const io = memoryIo({}, {});
    expect(await run(['check', '--openregister-url', 'https://nc.example.org', '--username', 'u', '--password-file', '/missing'], io)).toBe(EXIT.failed);
    expect(io.stderr).toBe('openregister-webhooks check: cannot read --password-file /missing: ENOENT\n');
  });

  it('asks for the admin token before calling the service', async () => {
    const io = memoryIo();
    expect(await run(['deliveries', 'list'], io)).toBe(EXIT.failed);
    expect(io.stderr).toMatch(/^openregister-webhooks deliveries list: no admin token: set ADMIN_TOKEN/);
  });
});
