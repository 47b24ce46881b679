import { systemClock } from '../common/clock.js';
import { loadOpenRegisterConnection, type OpenRegisterConnection } from '../config/app-config.js';
import { OpenRegisterClient, OpenRegisterError } from '../catchup/openregister-client.js';
import { CommandError, type Options, type Parsed } from './args.js';
import type { CliIo } from './io.js';

/** The flags of every command that calls OpenRegister; each falls back to its environment variable. */
export const CONNECTION_OPTIONS: Options = {
  'openregister-url': { type: 'string' },
  username: { type: 'string' },
  'password-file': { type: 'string' },
};

export const CONNECTION_USAGE = `OpenRegister (flags win over the environment):
  --openregister-url <url>   Nextcloud's base URL                       [OPENREGISTER_URL]
  --username <user>          the Nextcloud user                         [OPENREGISTER_USERNAME]
  --password-file <path>     a file holding that user's app password    [OPENREGISTER_PASSWORD]
                             (no --password flag: other users would see it in ps)`;

/**
 * OpenRegister's client, configured as the service configures catch-up's: the same variables, the
 * same validation and the same HTTP code, so a CLI that works proves the service's settings too.
 * @throws CommandError with the configuration problem on one line
 */
export function openRegisterClient(values: Parsed['values'], io: CliIo): { client: OpenRegisterClient; connection: OpenRegisterConnection } {
  const env = {
    OPENREGISTER_URL: (values['openregister-url'] as string | undefined) ?? io.env.OPENREGISTER_URL,
    OPENREGISTER_USERNAME: (values.username as string | undefined) ?? io.env.OPENREGISTER_USERNAME,
    OPENREGISTER_PASSWORD: values['password-file'] === undefined ? io.env.OPENREGISTER_PASSWORD : readPassword(values['password-file'] as string, io),
    OPENREGISTER_TIMEOUT_MS: io.env.OPENREGISTER_TIMEOUT_MS,
  };
  let connection: OpenRegisterConnection;
  try {
    connection = loadOpenRegisterConnection(env);
  } catch (error) {
    throw new CommandError(`${oneLine((error as Error).message)} (set it in the environment or with --openregister-url, --username, --password-file)`);
  }
  const client = new OpenRegisterClient({ ...connection, timeoutInMs: connection.requestTimeoutInMs, clock: systemClock });
  return { client, connection };
}

/** The file's content without its final newline (`echo … > file` adds one; app passwords have none). */
function readPassword(path: string, io: CliIo): string {
  try {
    return io.readFile(path).replace(/\r?\n$/, '');
  } catch (error) {
    throw new CommandError(`cannot read --password-file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** loadConfig's messages are a heading and indented lines; the CLI prints one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^Invalid configuration: /, 'invalid configuration: ');
}

/**
 * What went wrong calling OpenRegister, for an operator: the credentials named on a 401, the URL on
 * a failure to connect. The client's message says which call and what it answered.
 */
export function describeOpenRegisterError(error: unknown, connection: OpenRegisterConnection): string {
  if (!(error instanceof OpenRegisterError)) return (error as Error)?.message ?? String(error);
  switch (error.failure) {
    case 'unauthorized':
      return `OpenRegister refused the credentials (401): the username or the app password is wrong (OPENREGISTER_USERNAME=${connection.username}, OPENREGISTER_PASSWORD)`;
    case 'forbidden':
      return `OpenRegister refused ${connection.username} (403): ${error.message}`;
    case 'unreachable':
    case 'timeout':
      return `cannot reach OpenRegister at ${connection.apiUrl}: ${error.message}`;
    default:
      return `OpenRegister: ${error.message}`;
  }
}
