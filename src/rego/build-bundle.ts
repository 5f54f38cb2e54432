// PATHs of `.rego`, `data.json` and `data.yaml` files (or an IR plan) → the bytes of an OPA-style
// bundle: a gzipped tar with `/policy.wasm` or `/plan.json`, `/data.json` and `/.manifest`.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTarGz, writeTarGz } from '../shared/tar.js';
import { compilePlan } from './compile-plan.js';
import { linkPlan } from './compile-wasm.js';
import type { Diagnostic } from './diagnostics.js';
import type { Policy } from './ir.js';
import { parsePlanJson } from './plan-json.js';

export type BuildTarget = 'wasm' | 'plan';

export interface BuildBundleOptions {
  readonly target: BuildTarget;
  readonly entrypoints: readonly string[];
  /** Files or directories, relative to `cwd` unless absolute. */
  readonly paths: readonly string[];
  readonly cwd: string;
  /** An IR plan file to compile instead of Rego sources (only with the wasm target). */
  readonly fromPlan?: string;
}

export type BuildBundleResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly files: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export interface BundleSources {
  readonly modules: { readonly file: string; readonly source: string }[];
  readonly data: Record<string, unknown>;
}

export const BundleCodes = {
  pathNotFound: 'bundle_path_not_found',
  dataInvalid: 'bundle_data_invalid',
  dataConflict: 'bundle_data_conflict',
  planInvalid: 'bundle_plan_invalid',
  entrypointMissing: 'bundle_entrypoint_missing',
} as const;

const DATA_FILES = new Set(['data.json', 'data.yaml', 'data.yml']);

function fileDiag(code: string, file: string, message: string, line = 1, col = 1): Diagnostic {
  return { code, message, file, line, col };
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reads every Rego module and data file under the PATHs; data nests under its directory path. */
export async function collectSources(paths: readonly string[], cwd: string): Promise<{ sources: BundleSources; diagnostics: Diagnostic[] }> {
  const modules: { file: string; source: string }[] = [];
  const data: Record<string, unknown> = {};
  const diagnostics: Diagnostic[] = [];

  const addData = async (shown: string, abs: string, segments: readonly string[]): Promise<void> => {
    const text = await readFile(abs, 'utf8');
    let value: unknown;
    try {
      value = abs.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      const pos = e instanceof Error ? positionOf(e, text) : { line: 1, col: 1 };
      diagnostics.push(fileDiag(BundleCodes.dataInvalid, shown, `cannot parse data: ${e instanceof Error ? e.message : String(e)}`, pos.line, pos.col));
      return;
    }
    if (segments.length === 0 && !isPlainObject(value)) {
      diagnostics.push(fileDiag(BundleCodes.dataInvalid, shown, 'a data file at the bundle root must hold an object'));
      return;
    }
    const conflict = mergeAt(data, segments, value);
    if (conflict !== undefined) diagnostics.push(fileDiag(BundleCodes.dataConflict, shown, `data at ${['data', ...conflict].join('.')} is defined twice`));
  };

  const walk = async (root: string, rootShown: string, rel: readonly string[]): Promise<void> => {
    const dir = path.join(root, ...rel);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const shown = path.join(rootShown, ...rel, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(root, rootShown, [...rel, e.name]);
      } else if (e.isFile()) {
        if (e.name.endsWith('.rego')) modules.push({ file: shown, source: await readFile(path.join(dir, e.name), 'utf8') });
        else if (DATA_FILES.has(e.name)) await addData(shown, path.join(dir, e.name), rel);
      }
    }
  };

  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let info;
    try {
      info = await stat(abs);
    } catch {
      diagnostics.push(fileDiag(BundleCodes.pathNotFound, p, 'no such file or directory'));
      continue;
    }
    if (info.isDirectory()) await walk(abs, p, []);
    else if (abs.endsWith('.rego')) modules.push({ file: p, source: await readFile(abs, 'utf8') });
    else if (DATA_FILES.has(path.basename(abs))) await addData(p, abs, []);
    else diagnostics.push(fileDiag(BundleCodes.pathNotFound, p, 'not a .rego, data.json or data.yaml file'));
  }
  return { sources: { modules, data }, diagnostics };
}

/** Deep-merges `value` at `segments`; returns the conflicting path when two files define one leaf. */
function mergeAt(root: Record<string, unknown>, segments: readonly string[], value: unknown): string[] | undefined {
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i] as string;
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isPlainObject(next)) return segments.slice(0, i + 1);
    node = node[key] as Record<string, unknown>;
  }
  if (segments.length === 0) return mergeObjects(root, value as Record<string, unknown>, []);
  const last = segments[segments.length - 1] as string;
  const existing = node[last];
  if (existing === undefined) {
    node[last] = value;
    return undefined;
  }
  if (isPlainObject(existing) && isPlainObject(value)) return mergeObjects(existing, value, [...segments]);
  return [...segments];
}

function mergeObjects(into: Record<string, unknown>, from: Record<string, unknown>, at: string[]): string[] | undefined {
  for (const [k, v] of Object.entries(from)) {
    const existing = into[k];
    if (existing === undefined) into[k] = v;
    else if (isPlainObject(existing) && isPlainObject(v)) {
      const conflict = mergeObjects(existing, v, [...at, k]);
      if (conflict !== undefined) return conflict;
    } else return [...at, k];
  }
  return undefined;
}

function positionOf(e: Error, text: string): { line: number; col: number } {
  const yamlPos = (e as { linePos?: readonly { line: number; col: number }[] }).linePos?.[0];
  if (yamlPos !== undefined) return yamlPos;
  const m = /position (\d+)/.exec(e.message);
  if (m === null) return { line: 1, col: 1 };
  const before = text.slice(0, Number(m[1]));
  const lines = before.split('\n');
  return { line: lines.length, col: (lines[lines.length - 1] ?? '').length + 1 };
}

/** The `.manifest` OPA writes for a bundle built from one root. */
export function bundleManifest(target: BuildTarget, entrypoints: readonly string[]): string {
  const manifest: Record<string, unknown> = { revision: '', roots: [''] };
  if (target === 'wasm') manifest['wasm'] = entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' }));
  return JSON.stringify(manifest);
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * `--from-plan` takes a plan.json, or the bundle `opa build -t plan` writes (a tar.gz holding
 * `/plan.json` and `/data.json`); that bundle's data joins the PATHs' data.
 */
function unpackPlan(
  bytes: Uint8Array,
  file: string,
  data: Record<string, unknown>,
): { ok: true; text: string } | { ok: false; diagnostic: Diagnostic } {
  const dec = new TextDecoder();
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return { ok: true, text: dec.decode(bytes) };
  const tar = readTarGz(bytes);
  if (!tar.ok) return { ok: false, diagnostic: fileDiag(BundleCodes.planInvalid, file, `not a readable bundle: ${tar.message}`) };
  const plan = tar.entries.find((e) => e.path === 'plan.json');
  if (plan === undefined) return { ok: false, diagnostic: fileDiag(BundleCodes.planInvalid, file, 'the bundle has no /plan.json') };
  const bundledData = tar.entries.find((e) => e.path === 'data.json');
  if (bundledData !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(dec.decode(bundledData.data));
    } catch {
      return { ok: false, diagnostic: fileDiag(BundleCodes.dataInvalid, `${file}:/data.json`, 'cannot parse data') };
    }
    if (!isPlainObject(value)) return { ok: false, diagnostic: fileDiag(BundleCodes.dataInvalid, `${file}:/data.json`, 'bundle data must be an object') };
    const conflict = mergeAt(data, [], value);
    if (conflict !== undefined) return { ok: false, diagnostic: fileDiag(BundleCodes.dataConflict, `${file}:/data.json`, `data at ${['data', ...conflict].join('.')} is defined twice`) };
  }
  return { ok: true, text: dec.decode(plan.data) };
}

export async function buildBundle(options: BuildBundleOptions): Promise<BuildBundleResult> {
  const { sources, diagnostics } = await collectSources(options.paths, options.cwd);
  let policy: Policy;
  let entrypoints = options.entrypoints;
  if (options.fromPlan !== undefined) {
    const planFile = options.fromPlan;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path.resolve(options.cwd, planFile));
    } catch {
      return { ok: false, diagnostics: [...diagnostics, fileDiag(BundleCodes.pathNotFound, planFile, 'cannot read the plan file')] };
    }
    const unpacked = unpackPlan(bytes, planFile, sources.data);
    if (!unpacked.ok) return { ok: false, diagnostics: [...diagnostics, unpacked.diagnostic] };
    const text = unpacked.text;
    const parsed = parsePlanJson(text);
    if (!parsed.ok) {
      return { ok: false, diagnostics: [...diagnostics, ...parsed.errors.map((e) => fileDiag(BundleCodes.planInvalid, planFile, `${e.path === '' ? '' : `${e.path}: `}${e.message}`))] };
    }
    policy = parsed.policy;
    const names = policy.plans.plans.map((p) => p.name);
    for (const e of entrypoints) {
      if (!names.includes(e)) diagnostics.push(fileDiag(BundleCodes.entrypointMissing, planFile, `the plan has no entrypoint ${e}`));
    }
    entrypoints = names;
    if (diagnostics.length > 0) return { ok: false, diagnostics };
  } else {
    if (diagnostics.length > 0) return { ok: false, diagnostics };
    const planned = compilePlan({ modules: sources.modules, entrypoints });
    if (!planned.ok) return { ok: false, diagnostics: planned.diagnostics };
    policy = planned.policy;
  }

  const enc = new TextEncoder();
  const files: { path: string; data: Uint8Array }[] = [];
  if (options.target === 'wasm') {
    const linked = linkPlan(policy);
    if (!linked.ok) return { ok: false, diagnostics: linked.diagnostics };
    files.push({ path: 'policy.wasm', data: linked.wasm });
  } else {
    files.push({ path: 'plan.json', data: enc.encode(JSON.stringify(policy)) });
  }
  files.push({ path: 'data.json', data: enc.encode(JSON.stringify(sources.data)) });
  files.push({ path: '.manifest', data: enc.encode(bundleManifest(options.target, entrypoints)) });
  return { ok: true, bytes: writeTarGz(files), files: files.map((f) => `/${f.path}`) };
}
