// Entry point: the only place that reads process.env and wires the subcommands together.
import { runCli } from './cli/run-cli.js';

export async function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, process.env);
}
