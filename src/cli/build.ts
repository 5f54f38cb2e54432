// `nmp-authz build`: the subset of `opa build` flags this compiler supports (§2, §7) → a bundle file.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BuildTarget, buildBundle } from '../rego/build-bundle.js';
import { formatDiagnostic } from '../rego/diagnostics.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Subcommand } from './cli-io.js';

const USAGE = `usage: nmp-authz build -t wasm|plan -e PKG/RULE [-e ...] [-o FILE] [--from-plan FILE] PATH...

  -t, --target wasm|plan   what the bundle holds: /policy.wasm or /plan.json (default wasm)
  -e, --entrypoint PATH    a rule to expose, as pkg/rule (repeatable, at least one)
  -o, --output FILE        where to write the bundle (default bundle.tar.gz)
      --from-plan FILE     compile an IR plan instead of Rego: a plan.json, or the bundle
                           that "opa build -t plan" writes (its data.json is kept)
`;

interface BuildArgs {
  target: BuildTarget;
  entrypoints: string[];
  output: string;
  fromPlan: string | undefined;
  paths: string[];
}

type ParseResult = { ok: true; args: BuildArgs } | { ok: false; message: string };

const VALUE_FLAGS: Readonly<Record<string, 'target' | 'entrypoint' | 'output' | 'fromPlan'>> = {
  '-t': 'target', '--target': 'target',
  '-e': 'entrypoint', '--entrypoint': 'entrypoint',
  '-o': 'output', '--output': 'output',
  '--from-plan': 'fromPlan',
};

export function parseBuildArgs(argv: readonly string[]): ParseResult {
  const args: BuildArgs = { target: 'wasm', entrypoints: [], output: 'bundle.tar.gz', fromPlan: undefined, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      args.paths.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      args.paths.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const kind = VALUE_FLAGS[flag];
    if (kind === undefined) return { ok: false, message: `unknown flag ${flag}` };
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) return { ok: false, message: `${flag} needs a value` };
    switch (kind) {
      case 'target':
        if (value !== 'wasm' && value !== 'plan') return { ok: false, message: `unsupported target ${JSON.stringify(value)} (wasm or plan)` };
        args.target = value;
        break;
      case 'entrypoint': args.entrypoints.push(normalizeEntrypoint(value)); break;
      case 'output': args.output = value; break;
      case 'fromPlan': args.fromPlan = value; break;
    }
  }
  if (args.fromPlan === undefined) {
    if (args.entrypoints.length === 0) return { ok: false, message: 'at least one -e/--entrypoint is required' };
    if (args.paths.length === 0) return { ok: false, message: 'no PATH given' };
  } else if (args.target !== 'wasm') {
    return { ok: false, message: '--from-plan builds the wasm target only' };
  }
  return { ok: true, args };
}

/** `data.authz.allow` and `authz.allow` mean `authz/allow`, as opa build accepts both forms. */
function normalizeEntrypoint(e: string): string {
  if (e.includes('/')) return e.replace(/^\/+/, '');
  const parts = e.split('.');
  return (parts[0] === 'data' ? parts.slice(1) : parts).join('/');
}

export const runBuild: Subcommand = async (argv, io) => {
  if (argv.includes('-h') || argv.includes('--help')) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const parsed = parseBuildArgs(argv);
  if (!parsed.ok) {
    io.stderr(`nmp-authz build: ${parsed.message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { args } = parsed;
  const result = await buildBundle({
    target: args.target,
    entrypoints: args.entrypoints,
    paths: args.paths,
    cwd: io.cwd,
    ...(args.fromPlan === undefined ? {} : { fromPlan: args.fromPlan }),
  });
  if (!result.ok) {
    io.stderr(result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
    return EXIT_FAILURE;
  }
  try {
    await writeFile(path.resolve(io.cwd, args.output), result.bytes);
  } catch (e) {
    io.stderr(`nmp-authz build: cannot write ${args.output}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
};
