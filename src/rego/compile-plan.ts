// Compiler front half: Rego sources + entrypoints → OPA IR Policy (lexer → parser → checks → planner),
// or every diagnostic found by the first stage that failed.

import type { Module } from './ast.js';
import { checkDataConflicts, checkModules } from './check.js';
import { compareDiagnostics, type Diagnostic } from './diagnostics.js';
import type { Policy } from './ir.js';
import { parseModule } from './parser.js';
import { planProgram } from './planner.js';

export interface CompilePlanOptions {
  readonly modules: readonly { readonly file: string; readonly source: string }[];
  /** `pkg/rule` paths (slash-separated, as `opa build -e`). */
  readonly entrypoints: readonly string[];
  /**
   * The base data the policy will run with, when known at build time: rules and base documents at
   * the same path are then reported (`rule_data_conflict`) instead of the rule silently winning.
   */
  readonly data?: unknown;
}

export type CompilePlanResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

export function compilePlan(options: CompilePlanOptions): CompilePlanResult {
  const parsed: Module[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { file, source } of options.modules) {
    const result = parseModule(source, file);
    if (result.ok) parsed.push(result.module);
    else diagnostics.push(...result.diagnostics);
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics: diagnostics.sort(compareDiagnostics) };
  const checked = checkModules(parsed);
  if (!checked.ok) return checked;
  if (options.data !== undefined) {
    const conflicts = checkDataConflicts(checked.program, options.data);
    if (conflicts.length > 0) return { ok: false, diagnostics: conflicts };
  }
  return planProgram(checked.program, options.entrypoints);
}
