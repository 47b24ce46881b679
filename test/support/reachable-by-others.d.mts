/** The folder closest to `/` on the way to `file` that users other than its owner cannot enter, or undefined. */
export function folderClosedToOthers(file: string): string | undefined;
/** Throws one message that says what to do when the user `postgres` could not reach `binary`. */
export function assertPostgresUserCanRun(binary: string): void;
