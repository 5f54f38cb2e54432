// Dispatches `nmp-authz <subcommand>`; each subcommand is loaded only when used, so `token` or
// `build` do not pay for starting the gRPC stack.
import { EXIT_USAGE, type CliIo, type Subcommand } from './cli-io.js';

const SUBCOMMANDS: Readonly<Record<string, () => Promise<Subcommand>>> = {
  serve: async () => (await import('./serve.js')).runServe,
  build: async () => (await import('./build.js')).runBuild,
  check: async () => (await import('./check.js')).runCheck,
  token: async () => (await import('./token.js')).runToken,
};

const USAGE = `usage: nmp-authz <command> [options]

commands:
  serve [--config FILE]                       run the gRPC and HTTP servers
  build -t wasm|plan -e PKG/RULE [-o FILE] PATH...
                                              compile Rego into a bundle (like opa build)
  check [--config FILE] --method M --path P [--token T] [--header 'K: V']...
                                              run one decision offline and print it
  token --email E [--sub S] [--groups a,b] [--scope "s1 s2"] [--ttl 24h]
                                              print an unsigned development JWT
`;

export async function runCli(argv: readonly string[], env: CliIo['env']): Promise<number> {
  const io: CliIo = {
    env,
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    cwd: process.cwd(),
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const load = SUBCOMMANDS[name];
  if (load === undefined) {
    io.stderr(`nmp-authz: unknown command "${name}"\n${USAGE}`);
    return EXIT_USAGE;
  }
  const run = await load();
  return run(rest, io);
}
