// The decision table (decisions.cases.yaml): its callers, member variants and cases, the data
// document the server would assemble for each variant, and the §8.2 input for a case — shared by
// the decision test and the input-use soundness test, which both run the shipped policy on it.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseMembersText } from '../../src/members/members-document.js';
import { assembleData, loadStaticData } from '../../src/policy/data-document.js';
import { isRecord } from '../../src/shared/is-record.js';
import { SHIPPED_DATA_FILES } from './policy-harness.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DECISION_TABLE_FILE = join(HERE, 'decisions.cases.yaml');

export interface TableIdentity {
  readonly principal_id: string | null;
  readonly principal_email: string | null;
  readonly principal_groups: readonly string[];
  readonly token_kind: 'oidc' | 'unsigned' | 'header' | 'none';
}

export interface DecisionCase {
  readonly name: string;
  readonly who: string;
  readonly members: string;
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
  readonly groups: readonly string[] | undefined;
  readonly reason: string;
  readonly endpoint?: string | null;
  readonly workspace?: string | null;
  readonly roles?: readonly string[];
}

export interface DecisionTable {
  readonly config: { readonly admin_email: string; readonly default_workspace: string; readonly public_paths: readonly string[] };
  readonly extraData: readonly string[];
  readonly members: ReadonlyMap<string, string>;
  readonly identities: ReadonlyMap<string, TableIdentity>;
  readonly cases: readonly DecisionCase[];
}

/** Member variant → the data document assembled from the shipped data, the table's extra data and that variant's members file. */
export async function assembleTableData(table: DecisionTable): Promise<ReadonlyMap<string, { authz: unknown }>> {
  const staticData = await loadStaticData([...SHIPPED_DATA_FILES, ...table.extraData.map((file) => join(HERE, file))]);
  const knownRoles = new Set(staticData.roles.keys());
  const out = new Map<string, { authz: unknown }>();
  for (const [variant, file] of table.members) {
    const parsed = parseMembersText(await readFile(join(HERE, file), 'utf8'), 'yaml', { knownRoles });
    if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.map((p) => p.message).join('; ')}`);
    out.set(variant, assembleData(staticData, parsed.document, {
      adminEmail: table.config.admin_email,
      defaultWorkspace: table.config.default_workspace,
      publicPaths: table.config.public_paths,
    }));
  }
  return out;
}

/** The §8.2 input the server would build for a table caller making a request. */
export function tableInput(
  identity: TableIdentity,
  request: { readonly method: string; readonly path: string; readonly scopes: readonly string[]; readonly groups?: readonly string[] | undefined },
  userAgent: string,
): Record<string, unknown> {
  return {
    ...identity,
    principal_groups: request.groups ?? identity.principal_groups,
    scopes: request.scopes,
    claims: identity.principal_id === null ? {} : { sub: identity.principal_id },
    method: request.method,
    path: request.path,
    query: {},
    host: 'nmp.example.com',
    headers: { 'user-agent': userAgent },
  };
}

export function loadDecisionTable(file = DECISION_TABLE_FILE): DecisionTable {
  const raw: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (!isRecord(raw) || !isRecord(raw['config']) || !isRecord(raw['members']) || !isRecord(raw['identities'])) {
    throw new Error(`${file}: needs config, members and identities`);
  }
  const config = raw['config'];
  const adminEmail = config['admin_email'];
  const defaultWorkspace = config['default_workspace'];
  const publicPaths = strings(config['public_paths'], 'config.public_paths');
  if (typeof adminEmail !== 'string' || typeof defaultWorkspace !== 'string') throw new Error('config: admin_email and default_workspace are strings');

  const members = new Map<string, string>();
  for (const [variant, path] of Object.entries(raw['members'])) {
    if (typeof path !== 'string') throw new Error(`members.${variant}: a file name`);
    members.set(variant, path);
  }

  const identities = new Map<string, TableIdentity>();
  for (const [name, value] of Object.entries(raw['identities'])) {
    if (!isRecord(value)) throw new Error(`identities.${name}: a mapping`);
    const id = value['id'];
    const email = value['email'];
    const kind = value['kind'] ?? 'oidc';
    if ((id !== null && typeof id !== 'string') || (email !== null && typeof email !== 'string')) throw new Error(`identities.${name}: id and email are strings or null`);
    if (kind !== 'oidc' && kind !== 'unsigned' && kind !== 'header' && kind !== 'none') throw new Error(`identities.${name}.kind: unknown`);
    identities.set(name, { principal_id: id, principal_email: email, principal_groups: strings(value['groups'] ?? [], `identities.${name}.groups`), token_kind: kind });
  }

  const cases: DecisionCase[] = [];
  const matrix = raw['matrix'];
  if (isRecord(matrix)) {
    const who = strings(matrix['identities'], 'matrix.identities');
    const rows = matrix['rows'];
    if (!Array.isArray(rows)) throw new Error('matrix.rows: a list');
    rows.forEach((row: unknown, index) => {
      const cells = strings(row, `matrix.rows[${index}]`);
      const [method, path, endpoint, ...reasons] = cells;
      if (method === undefined || path === undefined || endpoint === undefined || reasons.length !== who.length) {
        throw new Error(`matrix.rows[${index}]: [method, path, pattern, ${who.length} reasons]`);
      }
      reasons.forEach((reason, i) => {
        const identity = who[i] ?? '';
        cases.push({
          name: `${identity} ${method.toUpperCase()} ${path} → ${reason}`,
          who: identity,
          members: 'base',
          method,
          path,
          scopes: [],
          groups: undefined,
          reason,
          endpoint,
          workspace: path.includes('/workspaces/ml-team') ? 'ml-team' : 'system',
        });
      });
    });
  }

  const rawCases = raw['cases'];
  if (!Array.isArray(rawCases)) throw new Error('cases: a list');
  rawCases.forEach((value: unknown, index) => {
    const where = `cases[${index}]`;
    if (!isRecord(value)) throw new Error(`${where}: a mapping`);
    const text = (key: string): string => {
      const v = value[key];
      if (typeof v !== 'string') throw new Error(`${where}.${key}: a string`);
      return v;
    };
    const optionalText = (key: string): string | null | undefined => {
      const v = value[key];
      if (v === undefined || v === null || typeof v === 'string') return v;
      throw new Error(`${where}.${key}: a string or null`);
    };
    const reason = text('reason');
    const endpoint = optionalText('endpoint');
    const workspace = optionalText('workspace');
    cases.push({
      name: `${text('why')} (${reason})`,
      who: text('who'),
      members: optionalText('members') ?? 'base',
      method: text('method'),
      path: text('path'),
      scopes: strings(value['scopes'] ?? [], `${where}.scopes`),
      groups: value['groups'] === undefined ? undefined : strings(value['groups'], `${where}.groups`),
      reason,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(workspace === undefined ? {} : { workspace }),
      ...(value['roles'] === undefined ? {} : { roles: strings(value['roles'], `${where}.roles`) }),
    });
  });

  const extraData = strings(raw['extra_data'] ?? [], 'extra_data');
  return { config: { admin_email: adminEmail, default_workspace: defaultWorkspace, public_paths: publicPaths }, extraData, members, identities, cases };
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw new Error(`${where}: a list of strings`);
  return value;
}
