// policy.source (§3.3) → policy.wasm bytes: a bare .wasm, a bundle (.tar.gz from `nmp-authz build`
// or `opa build -t wasm`), or a directory of .rego compiled at start with the built-in compiler.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../rego/diagnostics.js';
import { compileWasm } from '../rego/compile-wasm.js';
import { readTarGz } from '../shared/tar.js';
import { compileInWorker } from './compile-in-worker.js';
import { PolicyLoadError } from './opa-wasm-engine.js';
import type { WasmModule } from './wasm-module.js';

export interface PolicySource {
  readonly wasm: Uint8Array;
  /** Already compiled (off the main thread) when the source was compiled in a worker. */
  readonly module?: WasmModule;
  /** `/data.json` of a bundle, when present (OPA bundles may carry data). */
  readonly bundleData: unknown;
  readonly kind: 'wasm' | 'bundle' | 'directory';
}

async function regoFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await regoFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) out.push(full);
  }
  return out.sort();
}

function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message} (${d.code})`;
}

/** The one place the server calls the compiler (STYLE: the server loads bundles, not compiler internals). */
export async function compilePolicyDirectory(dir: string, entrypoint: string): Promise<Uint8Array> {
  const files = await regoFiles(dir);
  if (files.length === 0) throw new PolicyLoadError('source_unreadable', `no .rego files under ${dir}`);
  const modules = await Promise.all(files.map(async (f) => ({ file: relative(process.cwd(), f) || f, source: await readFile(f, 'utf8') })));
  const result = compileWasm({ modules, entrypoints: [entrypoint] });
  if (!result.ok) throw new PolicyLoadError('compile_failed', result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.wasm;
}

export interface LoadPolicySourceOptions {
  /** Compile a directory in a worker thread (reloads while serving) rather than in-process (start). */
  readonly inWorker?: boolean;
}

export async function loadPolicySource(source: string, entrypoint: string, opts: LoadPolicySourceOptions = {}): Promise<PolicySource> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(source)).isDirectory();
  } catch {
    throw new PolicyLoadError('source_unreadable', `policy source ${source} cannot be read`);
  }
  if (isDirectory && opts.inWorker === true) {
    const compiled = await compileInWorker(source, entrypoint);
    return { wasm: compiled.wasm, module: compiled.module, bundleData: null, kind: 'directory' };
  }
  if (isDirectory) return { wasm: await compilePolicyDirectory(source, entrypoint), bundleData: null, kind: 'directory' };
  const bytes = new Uint8Array(await readFile(source));
  if (source.endsWith('.wasm')) return { wasm: bytes, bundleData: null, kind: 'wasm' };
  const archive = readTarGz(bytes);
  if (!archive.ok) throw new PolicyLoadError('bundle_invalid', `${source}: ${archive.code}`);
  const wasm = archive.entries.find((e) => e.path === 'policy.wasm' || e.path === '/policy.wasm');
  if (wasm === undefined) throw new PolicyLoadError('bundle_invalid', `${source}: no /policy.wasm in the bundle`);
  const data = archive.entries.find((e) => e.path === 'data.json' || e.path === '/data.json');
  let bundleData: unknown = null;
  if (data !== undefined) {
    try {
      bundleData = JSON.parse(new TextDecoder().decode(data.data));
    } catch {
      throw new PolicyLoadError('bundle_invalid', `${source}: /data.json is not valid JSON`);
    }
  }
  return { wasm: wasm.data, bundleData, kind: 'bundle' };
}
