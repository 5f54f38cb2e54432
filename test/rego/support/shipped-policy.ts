// The shipped policy (policies/*.rego) as a subject of the input-use soundness test: its modules,
// the data document the server would assemble for the decision table's base members, and inputs
// shaped as the server builds them, drawn from that table's callers, requests and scopes.

import { assembleTableData, loadDecisionTable, tableInput } from '../../policies/decision-table.js';
import { shippedPolicyModules } from '../../policies/policy-harness.js';

export interface ShippedPolicy {
  readonly modules: readonly { readonly file: string; readonly source: string }[];
  readonly entrypoint: string;
  /** Every string of the decision table: callers, paths, scopes, workspaces. */
  readonly strings: readonly string[];
  /** Inputs as the server builds them, one per draw. */
  readonly inputs: (rng: () => number, count: number) => unknown[];
  readonly data: () => Promise<Record<string, unknown>>;
}

export function shippedPolicy(): ShippedPolicy {
  const table = loadDecisionTable();
  const identities = [...table.identities.values()];
  const requests = table.cases.map(({ method, path }) => ({ method, path }));
  const scopeSets = [[], ...table.cases.map((c) => c.scopes).filter((s) => s.length > 0)];
  if (identities.length === 0 || requests.length === 0) throw new Error('decisions.cases.yaml: no callers or requests');

  const strings = new Set<string>();
  for (const i of identities) {
    for (const s of [i.principal_id, i.principal_email, ...i.principal_groups]) if (s !== null) strings.add(s);
  }
  for (const r of requests) strings.add(r.path).add(r.method);
  for (const set of scopeSets) for (const s of set) strings.add(s);

  const pickFrom = <T>(rng: () => number, xs: readonly T[]): T => {
    const x = xs[Math.floor(rng() * xs.length)];
    if (x === undefined) throw new Error('empty choice');
    return x;
  };
  const inputs = (rng: () => number, count: number): unknown[] =>
    Array.from({ length: count }, () => tableInput(pickFrom(rng, identities), { ...pickFrom(rng, requests), scopes: pickFrom(rng, scopeSets) }, 'soundness'));

  const data = async (): Promise<Record<string, unknown>> => {
    const base = (await assembleTableData(table)).get('base');
    if (base === undefined) throw new Error('decisions.cases.yaml: no base members');
    return base;
  };

  return { modules: shippedPolicyModules(), entrypoint: 'authz/allow', strings: [...strings], inputs, data };
}
