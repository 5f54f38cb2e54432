// The checker's output and the planner's input: rules grouped by document path, every name
// resolved, every body ordered so that each variable is bound before it is used.
//
// Resolved terms reuse the AST types with stronger invariants:
// - a `var` named `input` or `data` is the root document; every other var is a local whose name is
//   unique within its rule (nested-scope locals are renamed `name#n`);
// - references to rules and imports are `ref` terms rooted at `data` / `input`;
// - a `call`'s `operator` is either a built-in name from builtins.ts or the full path of a user
//   function (`data.pkg.f`), and its arity is the callee's;
// - `assign` (`:=`) and `eq` (`=`) calls appear only as whole expressions.

import type { Body, Loc, RuleKind, Term } from '../ast.js';

export interface CheckedClause {
  /** The body, reordered for safety. */
  readonly body: Body;
  /** The value the clause gives (complete rules, partial objects, functions). */
  readonly value?: Term;
  /** The key (partial objects) or element (partial sets). */
  readonly key?: Term;
  readonly loc: Loc;
}

export interface CheckedDefinition {
  /** Function parameters as patterns (resolved); empty for rules. */
  readonly args: readonly Term[];
  /** The rule body, then each `else` in order: the first clause that succeeds gives the value. */
  readonly clauses: readonly CheckedClause[];
  readonly loc: Loc;
}

export interface RuleGroup {
  /** The document path under `data` (`["authz", "allow"]`). */
  readonly path: readonly string[];
  readonly kind: RuleKind;
  /** Number of parameters (functions only; 0 otherwise). */
  readonly arity: number;
  readonly definitions: readonly CheckedDefinition[];
  /** The `default` value (a ground term), when declared. */
  readonly defaultValue?: Term;
  readonly loc: Loc;
}

export interface CheckedProgram {
  /** Keyed by the dotted path `authz.allow`. */
  readonly groups: ReadonlyMap<string, RuleGroup>;
  /** Files in the order given to the compiler (for IR locations). */
  readonly files: readonly string[];
}

/** A map key for a document path; JSON so that `p["a.b"]` and `p.a.b` stay distinct. */
export function groupKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

/** A path as Rego writes it: `a.b["c-d"]` (segments that are not identifiers are quoted). */
export function displayPath(path: readonly string[]): string {
  return path.map((seg, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `${i === 0 ? '' : '.'}${seg}` : `[${JSON.stringify(seg)}]`)).join('');
}
