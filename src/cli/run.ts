import { CommandError, parseCommand, UsageError } from './args.js';
import { checkCommand } from './check.command.js';
import type { Command } from './command.js';
import { deliveriesListCommand } from './deliveries-list.command.js';
import { deliveriesReplayCommand } from './deliveries-replay.command.js';
import type { CliIo } from './io.js';
import { registerCommand } from './register.command.js';

export const COMMANDS: Command[] = [registerCommand, checkCommand, deliveriesListCommand, deliveriesReplayCommand];

/** Exit codes: 0 done, 1 a failure or a failed check, 2 a command line that cannot run. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const PROGRAM_USAGE = `Usage: openregister-webhooks <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(20)}${command.summary}`).join('\n')}

Run \`openregister-webhooks <command> --help\` for its options.`;

const DELIVERIES_USAGE = `Usage: openregister-webhooks deliveries <list|replay> [options]

${COMMANDS.filter((command) => command.name.startsWith('deliveries ')).map((command) => `  ${command.name.padEnd(20)}${command.summary}`).join('\n')}`;

/**
 * Runs one command line (without `node` and the script). Never throws and never exits: returns the
 * exit code, having printed the result on stdout and any problem on stderr, as one line.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) return usageError(io, 'Missing command', PROGRAM_USAGE);
  if (first === '--help' || first === '-h' || first === 'help') {
    io.out(PROGRAM_USAGE);
    return EXIT.ok;
  }
  if (first === 'deliveries' && (second === undefined || second === '--help' || second === '-h')) {
    if (second === undefined) return usageError(io, 'Missing subcommand', DELIVERIES_USAGE);
    io.out(DELIVERIES_USAGE);
    return EXIT.ok;
  }
  const name = first === 'deliveries' ? `${first} ${second}` : first;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) return usageError(io, `Unknown command '${name}'`, first === 'deliveries' ? DELIVERIES_USAGE : PROGRAM_USAGE);
  const args = argv.slice(name.split(' ').length);
  try {
    const parsed = parseCommand(args, command.options, command.usage, command.positionals);
    if (parsed.help) {
      io.out(command.usage);
      return EXIT.ok;
    }
    return await command.run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, error.usage);
    if (error instanceof CommandError) {
      io.err(`openregister-webhooks ${command.name}: ${error.message}`);
      return EXIT.failed;
    }
    // A bug, not an operator's mistake: the stack helps whoever reports it.
    io.err(`openregister-webhooks ${command.name}: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.failed;
  }
}

function usageError(io: CliIo, message: string, usage: string): number {
  io.err(`openregister-webhooks: ${message}\n\n${usage}`);
  return EXIT.usage;
}
