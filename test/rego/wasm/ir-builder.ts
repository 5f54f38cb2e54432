// Terse construction of hand-written IR plans for backend tests.
import type { Block, Func, Operand, Policy, Stmt, StmtFields, StmtType } from '../../../src/rego/ir.js';

export const L = (value: number): Operand => ({ type: 'local', value });
export const B = (value: boolean): Operand => ({ type: 'bool', value });

export function st<K extends StmtType>(type: K, fields: StmtFields[K]): Stmt {
  return { type, stmt: { ...fields, file: 0, row: 1, col: 1 } } as unknown as Stmt;
}

export const block = (...stmts: Stmt[]): Block => ({ stmts });

/** Collects string constants so tests can write `s('user')` instead of table indices. */
export class PolicyBuilder {
  readonly strings: string[] = ['result'];
  readonly builtins: string[] = [];
  readonly plans: { name: string; blocks: Block[] }[] = [];
  readonly funcs: Func[] = [];
  #next = 100;

  s(text: string): Operand {
    let i = this.strings.indexOf(text);
    if (i < 0) i = this.strings.push(text) - 1;
    return { type: 'string_index', value: i };
  }

  /** A fresh local, above anything the tests number by hand. */
  local(): number {
    return this.#next++;
  }

  builtin(name: string): string {
    if (!this.builtins.includes(name)) this.builtins.push(name);
    return name;
  }

  /** The statements OPA's planner emits to add `{"result": value}` to the result set. */
  result(value: number): Stmt[] {
    const obj = this.local();
    return [
      st('MakeObjectStmt', { target: obj }),
      st('ObjectInsertStmt', { key: this.s('result'), value: L(value), object: obj }),
      st('ResultSetAddStmt', { value: obj }),
    ];
  }

  plan(name: string, ...blocks: Block[]): this {
    this.plans.push({ name, blocks });
    return this;
  }

  func(name: string, params: number[], ret: number, ...blocks: Block[]): this {
    // Rule paths leave out `data`, as OPA writes them (`g0.data.a.b` → `["g0", "a", "b"]`).
    this.funcs.push({ name, params, return: ret, blocks, path: name.split('.').filter((seg, i) => !(i === 1 && seg === 'data')) });
    return this;
  }

  build(): Policy {
    return {
      static: {
        strings: this.strings.map((value) => ({ value })),
        builtin_funcs: this.builtins.map((name) => ({ name, decl: {} })),
        files: [{ value: 'test.rego' }],
      },
      plans: { plans: this.plans },
      funcs: { funcs: this.funcs },
    };
  }
}
