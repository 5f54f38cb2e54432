// Prints AST nodes in a compact, Rego-like notation so parser tests can state expectations in one line.
// Calls are always printed prefix (`plus(x, 1)`), which makes precedence visible.

import type { Body, Expr, Rule, Term, WithModifier } from '../../../src/rego/ast.js';
import { assertNever } from '../../../src/rego/ast.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function showTerm(t: Term): string {
  switch (t.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return t.text;
    case 'string':
      return JSON.stringify(t.value);
    case 'var':
      return t.name;
    case 'ref':
      return showTerm(t.head) + t.path.map((p) => (p.kind === 'string' && IDENT.test(p.value) ? `.${p.value}` : `[${showTerm(p)}]`)).join('');
    case 'array':
      return `[${t.items.map(showTerm).join(', ')}]`;
    case 'set':
      return t.items.length === 0 ? 'set()' : `{${t.items.map(showTerm).join(', ')}}`;
    case 'object':
      return `{${t.entries.map((e) => `${showTerm(e.key)}: ${showTerm(e.value)}`).join(', ')}}`;
    case 'array-comprehension':
      return `[${showTerm(t.head)} | ${showBody(t.body)}]`;
    case 'set-comprehension':
      return `{${showTerm(t.head)} | ${showBody(t.body)}}`;
    case 'object-comprehension':
      return `{${showTerm(t.key)}: ${showTerm(t.value)} | ${showBody(t.body)}}`;
    case 'call':
      return `${t.operator}(${t.args.map(showTerm).join(', ')})`;
    default:
      return assertNever(t, 'term');
  }
}

function showWith(ws: readonly WithModifier[]): string {
  return ws.map((w) => ` with ${showTerm(w.target)} as ${showTerm(w.value)}`).join('');
}

export function showExpr(e: Expr): string {
  switch (e.kind) {
    case 'term':
      return showTerm(e.term) + showWith(e.with);
    case 'not':
      return `not ${showTerm(e.term)}${showWith(e.with)}`;
    case 'some-decl':
      return `some ${e.vars.map(showTerm).join(', ')}${showWith(e.with)}`;
    case 'some-in':
      return `some ${e.key ? `${showTerm(e.key)}, ` : ''}${showTerm(e.value)} in ${showTerm(e.collection)}${showWith(e.with)}`;
    case 'every':
      return `every ${e.key ? `${showTerm(e.key)}, ` : ''}${showTerm(e.value)} in ${showTerm(e.domain)} { ${showBody(e.body)} }${showWith(e.with)}`;
    default:
      return assertNever(e, 'expr');
  }
}

export function showBody(b: Body): string {
  return b.map(showExpr).join('; ');
}

/** `default? <kind> <path>[key](args) <assign> value [if { body }] [else …]` */
export function showRule(r: Rule): string {
  let s = `${r.isDefault ? 'default ' : ''}${r.kind} ${r.path.join('.')}`;
  if (r.kind === 'function') s += `(${r.args.map(showTerm).join(', ')})`;
  if (r.kind === 'partial-object' && r.key) s += `[${showTerm(r.key)}]`;
  if (r.kind === 'partial-set' && r.key) s += ` contains ${showTerm(r.key)}`;
  if (r.value) s += ` ${r.assign ?? (r.valueImplicit ? '=' : '?')} ${showTerm(r.value)}`;
  if (r.body.length > 0) s += ` if { ${showBody(r.body)} }`;
  for (const e of r.else) {
    s += ` else ${e.assign ?? '='} ${showTerm(e.value)}`;
    if (e.body.length > 0) s += ` if { ${showBody(e.body)} }`;
  }
  return s;
}
