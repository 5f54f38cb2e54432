// The shipped policy (policies/*.rego) as a subject of the input-use soundness test: its modules,
// the data document the server would assemble for the decision table's members fixture, and
// inputs shaped as the server builds them, drawn from that table's callers, requests and scopes.

import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseMembersText } from '../../../src/members/members-document.js';
import { assembleData, loadStaticData } from '../../../src/policy/data-document.js';
import { isRecord } from '../../../src/shared/is-record.js';
import { POLICY_DIR, REPO_ROOT, SHIPPED_DATA_FILES } from '../../policies/policy-harness.js';

const TABLE_DIR = join(REPO_ROOT, 'test', 'policies');

export interface ShippedPolicy {
  readonly modules: readonly { readonly file: string; readonly source: string }[];
  readonly entrypoint: string;
  /** Every string of the decision table: callers, paths, scopes, workspaces. */
  readonly strings: readonly string[];
  /** Inputs as the server builds them, one per draw. */
  readonly inputs: (rng: () => number, count: number) => unknown[];
  readonly data: () => Promise<Record<string, unknown>>;
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function shippedPolicy(): ShippedPolicy {
  const modules = readdirSync(POLICY_DIR)
    .filter((name) => name.endsWith('.rego'))
    .sort()
    .map((name) => ({ file: join('policies', name), source: readFileSync(join(POLICY_DIR, name), 'utf8') }));
  const table: unknown = parseYaml(readFileSync(join(TABLE_DIR, 'decisions.cases.yaml'), 'utf8'));
  if (!isRecord(table) || !isRecord(table.identities) || !isRecord(table.config) || !isRecord(table.members)) {
    throw new Error('decisions.cases.yaml: needs identities, config and members');
  }

  const identities = Object.values(table.identities).filter(isRecord).map((i) => ({
    principal_id: typeof i.id === 'string' ? i.id : null,
    principal_email: typeof i.email === 'string' ? i.email : null,
    principal_groups: stringList(i.groups),
    token_kind: typeof i.kind === 'string' ? i.kind : 'oidc',
  }));
  const requests: { method: string; path: string }[] = [];
  const scopeSets: string[][] = [[]];
  if (isRecord(table.matrix) && Array.isArray(table.matrix.rows)) {
    for (const row of table.matrix.rows) {
      const [method, path] = stringList(row);
      if (method !== undefined && path !== undefined) requests.push({ method, path });
    }
  }
  if (Array.isArray(table.cases)) {
    for (const c of table.cases) {
      if (!isRecord(c) || typeof c.method !== 'string' || typeof c.path !== 'string') continue;
      requests.push({ method: c.method, path: c.path });
      if (c.scopes !== undefined) scopeSets.push(stringList(c.scopes));
    }
  }
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
    Array.from({ length: count }, () => {
      const who = pickFrom(rng, identities);
      const { method, path } = pickFrom(rng, requests);
      return {
        ...who,
        scopes: pickFrom(rng, scopeSets),
        claims: who.principal_id === null ? {} : { sub: who.principal_id },
        method,
        path,
        query: {},
        host: 'nmp.example.com',
        headers: { 'user-agent': 'soundness' },
      };
    });

  const config = table.config;
  const membersFile = table.members.base;
  const data = async (): Promise<Record<string, unknown>> => {
    if (typeof membersFile !== 'string' || typeof config.admin_email !== 'string' || typeof config.default_workspace !== 'string') {
      throw new Error('decisions.cases.yaml: members.base, config.admin_email and config.default_workspace are strings');
    }
    const extra = stringList(table.extra_data).map((file) => join(TABLE_DIR, file));
    const staticData = await loadStaticData([...SHIPPED_DATA_FILES, ...extra]);
    const parsed = parseMembersText(await readFile(join(TABLE_DIR, membersFile), 'utf8'), 'yaml', { knownRoles: new Set(staticData.roles.keys()) });
    if (!parsed.ok) throw new Error(`${membersFile}: ${parsed.problems.map((p) => p.message).join('; ')}`);
    return assembleData(staticData, parsed.document, {
      adminEmail: config.admin_email,
      defaultWorkspace: config.default_workspace,
      publicPaths: stringList(config.public_paths),
    });
  };

  return { modules, entrypoint: 'authz/allow', strings: [...strings], inputs, data };
}
