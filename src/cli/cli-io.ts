// What a subcommand may touch of the outside world; main.ts provides the real one, tests their own.
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

/** A subcommand: parses its own arguments and returns the process exit code (§2: 0 ok, 1 user error, 2 usage). */
export type Subcommand = (args: readonly string[], io: CliIo) => Promise<number>;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
