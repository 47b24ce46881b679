import { describe, expect, it } from '@jest/globals';
import { readServiceCommandLine, SERVICE_USAGE } from './service-usage.js';

describe('readServiceCommandLine', () => {
  it('runs the service when given nothing', () => {
    expect(readServiceCommandLine([])).toEqual({ kind: 'run' });
  });

  it.each([['--help'], ['-h'], ['--port', '8080', '--help']])('answers %s with the usage', (...args) => {
    expect(readServiceCommandLine(args)).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', '8080'], "Unknown option '--port'"],
    [['start'], "Unexpected argument 'start'"],
  ])('reports %j as a mistake in one line', (args, message) => {
    const line = readServiceCommandLine(args);
    expect(line).toEqual({ kind: 'mistake', message: expect.stringContaining(message) });
    expect((line as { message: string }).message).not.toContain('\n');
  });
});

describe('SERVICE_USAGE', () => {
  it('says that configuration is by environment variables and where they are described, and names the CLI', () => {
    expect(SERVICE_USAGE).toMatch(/environment variable/);
    expect(SERVICE_USAGE).toContain('docs/configuration.md');
    expect(SERVICE_USAGE).toContain('openregister-webhooks --help');
  });
});
