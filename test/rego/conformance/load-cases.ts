// Reads and validates conformance case files (YAML lists; see the header of cases/rules.yaml).

import { parse as parseYaml } from 'yaml';
import { isRecord } from '../../../src/shared/is-record.js';

export interface ExpectedDiagnostic {
  readonly code: string;
  readonly line?: number;
  readonly col?: number;
}

export type Expectation =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'undefined' }
  | { readonly kind: 'error'; readonly error: 'conflict' | 'error' }
  | { readonly kind: 'diagnostics'; readonly diagnostics: readonly ExpectedDiagnostic[] };

export interface ConformanceCase {
  /** `<topic>: <name>` — the key used in known-failures.yaml. */
  readonly id: string;
  readonly topic: string;
  readonly name: string;
  readonly modules: readonly { readonly file: string; readonly source: string }[];
  readonly query: string;
  readonly data: unknown;
  readonly input: unknown;
  readonly expect: Expectation;
}

const KEYS = new Set(['name', 'rego', 'expr', 'modules', 'query', 'data', 'input', 'want', 'undefined', 'error', 'diagnostics', 'note']);


function withPackage(source: string): string {
  return /^\s*package\s/.test(source) ? source : `package test\n\n${source}`;
}

function parseDiagnostic(x: unknown, where: string): ExpectedDiagnostic {
  if (typeof x === 'string') return { code: x };
  if (Array.isArray(x) && typeof x[0] === 'string') {
    const [code, line, col] = x as [string, unknown, unknown];
    return {
      code,
      ...(typeof line === 'number' ? { line } : {}),
      ...(typeof col === 'number' ? { col } : {}),
    };
  }
  throw new Error(`${where}: a diagnostic is "code" or [code, line, col]`);
}

export function loadCases(topic: string, text: string): ConformanceCase[] {
  const doc: unknown = parseYaml(text);
  if (!Array.isArray(doc)) throw new Error(`${topic}.yaml: expected a list of cases`);
  return doc.map((raw: unknown, i): ConformanceCase => {
    const where = `${topic}.yaml case #${i + 1}`;
    if (!isRecord(raw)) throw new Error(`${where}: expected a mapping`);
    for (const k of Object.keys(raw)) if (!KEYS.has(k)) throw new Error(`${where}: unknown key ${k}`);
    const name = raw.name;
    if (typeof name !== 'string' || name === '') throw new Error(`${where}: missing name`);

    let modules: { file: string; source: string }[];
    const file = `${topic}/${name.replace(/[^A-Za-z0-9]+/g, '-')}.rego`;
    if (typeof raw.rego === 'string') {
      modules = [{ file, source: withPackage(raw.rego) }];
    } else if (typeof raw.expr === 'string') {
      modules = [{ file, source: withPackage(`p := ${raw.expr}\n`) }];
    } else if (Array.isArray(raw.modules)) {
      modules = raw.modules.map((m: unknown) => {
        if (!isRecord(m) || typeof m.file !== 'string' || typeof m.source !== 'string') {
          throw new Error(`${where}: modules entries need file and source`);
        }
        return { file: m.file, source: m.source };
      });
    } else {
      throw new Error(`${where} (${name}): needs rego, expr or modules`);
    }

    const query = raw.query ?? 'test/p';
    if (typeof query !== 'string') throw new Error(`${where}: query must be a string`);

    const kinds = ['want', 'undefined', 'error', 'diagnostics'].filter((k) => k in raw);
    if (kinds.length !== 1) throw new Error(`${where} (${name}): needs exactly one of want/undefined/error/diagnostics`);
    let expect: Expectation;
    if ('want' in raw) {
      expect = { kind: 'value', value: raw.want };
    } else if ('undefined' in raw) {
      if (raw.undefined !== true) throw new Error(`${where}: undefined must be true`);
      expect = { kind: 'undefined' };
    } else if ('error' in raw) {
      if (raw.error !== 'conflict' && raw.error !== 'error') throw new Error(`${where}: error must be conflict or error`);
      expect = { kind: 'error', error: raw.error };
    } else {
      if (!Array.isArray(raw.diagnostics) || raw.diagnostics.length === 0) throw new Error(`${where}: diagnostics must be a non-empty list`);
      expect = { kind: 'diagnostics', diagnostics: raw.diagnostics.map((d: unknown) => parseDiagnostic(d, where)) };
    }

    return {
      id: `${topic}: ${name}`, topic, name, modules, query,
      data: raw.data ?? {},
      input: raw.input,
      expect,
    };
  });
}
