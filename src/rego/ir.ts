// OPA's intermediate representation (the `plan.json` of `opa build -t plan`), as TypeScript types.
// The planner produces it, the Wasm backend consumes it, and `--from-plan` reads OPA's own output,
// so field names and the JSON shape follow OPA's published IR schema exactly:
//   statements are encoded `{"type": "<Name>Stmt", "stmt": {...fields, file, row, col}}`,
//   operands `{"type": "local" | "string_index" | "bool", "value": ...}`.
// Local 0 is `input` and local 1 is `data` in every plan and function (by OPA's convention,
// functions take input and data as their first two parameters).

export type Local = number;

export const INPUT_LOCAL: Local = 0;
export const DATA_LOCAL: Local = 1;
/** The first local a plan or function may allocate for itself. */
export const FIRST_FREE_LOCAL: Local = 2;

export type Operand =
  | { readonly type: 'local'; readonly value: Local }
  | { readonly type: 'string_index'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean };

export interface Location {
  readonly file: number;
  readonly row: number;
  readonly col: number;
}

export interface Block {
  readonly stmts: readonly Stmt[];
}

/** Every statement kind with its fields, keyed by the `type` name used in plan.json. */
export interface StmtFields {
  ArrayAppendStmt: { array: Local; value: Operand };
  AssignIntStmt: { value: number; target: Local };
  AssignVarOnceStmt: { source: Operand; target: Local };
  AssignVarStmt: { source: Operand; target: Local };
  BlockStmt: { blocks: readonly Block[] };
  BreakStmt: { index: number };
  CallDynamicStmt: { args: readonly Local[]; path: readonly Operand[]; result: Local };
  CallStmt: { func: string; args: readonly Operand[]; result: Local };
  DotStmt: { source: Operand; key: Operand; target: Local };
  EqualStmt: { a: Operand; b: Operand };
  IsArrayStmt: { source: Operand };
  IsDefinedStmt: { source: Local };
  IsObjectStmt: { source: Operand };
  IsSetStmt: { source: Operand };
  IsUndefinedStmt: { source: Local };
  LenStmt: { source: Operand; target: Local };
  MakeArrayStmt: { capacity: number; target: Local };
  MakeNullStmt: { target: Local };
  MakeNumberIntStmt: { value: number; target: Local };
  /** `Index` is capitalised in OPA's JSON (the Go field has no json tag). */
  MakeNumberRefStmt: { Index: number; target: Local };
  MakeObjectStmt: { target: Local };
  MakeSetStmt: { target: Local };
  NopStmt: Record<string, never>;
  NotEqualStmt: { a: Operand; b: Operand };
  NotStmt: { block: Block };
  ObjectInsertOnceStmt: { key: Operand; value: Operand; object: Local };
  ObjectInsertStmt: { key: Operand; value: Operand; object: Local };
  ObjectMergeStmt: { a: Local; b: Local; target: Local };
  ResetLocalStmt: { target: Local };
  ResultSetAddStmt: { value: Local };
  ReturnLocalStmt: { source: Local };
  ScanStmt: { source: Local; key: Local; value: Local; block: Block };
  SetAddStmt: { set: Local; value: Operand };
  /** `path` holds string indexes; the value is upserted at that path inside `local` for the block. */
  WithStmt: { local: Local; path: readonly number[]; value: Operand; block: Block };
}

export type StmtType = keyof StmtFields;

export type Stmt = {
  [K in StmtType]: { readonly type: K; readonly stmt: Readonly<StmtFields[K]> & Location };
}[StmtType];

export type StmtOf<K extends StmtType> = Extract<Stmt, { type: K }>;

export interface BuiltinFunc {
  readonly name: string;
  /** OPA's type declaration of the built-in (`{"type": "function", "args": [...], "result": ...}`). */
  readonly decl: unknown;
}

export interface Static {
  readonly strings: readonly { readonly value: string }[];
  readonly builtin_funcs: readonly BuiltinFunc[];
  readonly files: readonly { readonly value: string }[];
}

export interface Plan {
  /** The entrypoint, `pkg/path/rule`. */
  readonly name: string;
  readonly blocks: readonly Block[];
}

export interface Func {
  readonly name: string;
  readonly params: readonly Local[];
  readonly return: Local;
  readonly blocks: readonly Block[];
  readonly path?: readonly string[];
}

export interface Policy {
  readonly static: Static;
  readonly plans: { readonly plans: readonly Plan[] };
  readonly funcs: { readonly funcs: readonly Func[] };
}

/** The blocks a statement nests: a BlockStmt's, or the body of a Not, Scan or With; none otherwise. */
export function childBlocks(s: Stmt): readonly Block[] {
  switch (s.type) {
    case 'BlockStmt': return s.stmt.blocks;
    case 'NotStmt': case 'ScanStmt': case 'WithStmt': return [s.stmt.block];
    default: return [];
  }
}
