// Diagnostic codes of the check stage (semantic errors after parsing). Stable: tests and docs key on them.

export const CheckCodes = {
  /** A variable no expression can bind (`var x is unsafe`). */
  unsafeVar: 'unsafe_var',
  /** A call of a name that is neither a known built-in nor a user function. */
  unknownFunction: 'unknown_function',
  /** A call with the wrong number of arguments. */
  wrongArity: 'wrong_arity',
  /** Rules or functions depend on themselves. */
  recursion: 'recursion',
  /** More than one `default` for one rule or function. */
  multipleDefaults: 'multiple_defaults',
  /** A `default` whose value is not a constant. */
  defaultNotConstant: 'default_not_constant',
  /** A `default` on a partial set or partial object rule. */
  defaultOnPartial: 'default_on_partial_rule',
  /** Definitions of one rule disagree on its kind (complete, partial set, partial object, function). */
  ruleKindConflict: 'rule_kind_conflict',
  /** Definitions of one function disagree on the number of parameters. */
  functionArityConflict: 'function_arity_conflict',
  /** A rule's document lies inside another rule's document (`p := 1` and `p.q := 2`). */
  rulePathConflict: 'rule_path_conflict',
  /** `:=` on something other than a variable pattern, on input/data, or nested inside a term. */
  invalidAssignment: 'invalid_assignment',
  /** A variable declared twice in one scope, or declared after being used. */
  varRedeclared: 'var_redeclared',
  /** A `with` target that is not input/data or a constant path into them. */
  invalidWithTarget: 'invalid_with_target',
  /** `with` replacing part of a rule's document, or a function (whole rule documents are fine). */
  withOnRule: 'with_on_rule_unsupported',
  /** A function referenced as a value instead of being called. */
  functionAsValue: 'function_used_as_value',
  /** An entrypoint that names no rule or package. */
  unknownEntrypoint: 'unknown_entrypoint',
  /** A rule and base data define the same document (only checked when data is given). */
  ruleDataConflict: 'rule_data_conflict',
  /** An `import` alias that clashes with a rule of the package. */
  importConflict: 'import_conflict',
} as const;

export type CheckCode = (typeof CheckCodes)[keyof typeof CheckCodes];
