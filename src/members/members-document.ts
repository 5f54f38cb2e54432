// Member data (§8.3): role bindings per workspace, validated as a whole before anything serves it.

import { parse as parseYaml } from 'yaml';
import { isRecord } from '../shared/is-record.js';

export interface MemberBinding {
  /** A subject id, an email, a group name, or `*` for every authenticated caller. */
  readonly principal: string;
  readonly roles: readonly string[];
}

export interface MembersDocument {
  /** Workspace name → its bindings. A Map, so names like `constructor` stay plain data. */
  readonly workspaces: ReadonlyMap<string, readonly MemberBinding[]>;
}

export type MembersProblemCode =
  | 'wrong_shape'
  | 'unknown_key'
  | 'unknown_role'
  | 'malformed_principal'
  | 'malformed_workspace'
  | 'unparsable';

export interface MembersProblem {
  readonly code: MembersProblemCode;
  /** Where in the document, e.g. `workspaces.ml-team.members[2].roles[0]`. */
  readonly path: string;
  readonly message: string;
}

export type MembersParseResult =
  | { readonly ok: true; readonly document: MembersDocument }
  | { readonly ok: false; readonly problems: readonly MembersProblem[] };

/** Raised through MembersSource.onError: an update was refused whole, and why. */
export class MembersError extends Error {
  readonly code: 'members_invalid' | 'members_unreadable' | 'members_fetch_failed';
  readonly problems: readonly MembersProblem[];

  constructor(code: MembersError['code'], message: string, problems: readonly MembersProblem[] = []) {
    super(message);
    this.name = 'MembersError';
    this.code = code;
    this.problems = problems;
  }
}

export interface MembersValidationOptions {
  /** Role names defined in the static data; a binding naming any other role is refused. */
  readonly knownRoles?: ReadonlySet<string>;
}

const MAX_PRINCIPAL_LENGTH = 320;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// Principals end up compared with header values and joined with commas in X-NMP-Principal-Groups,
// so a control character or a comma can never match a real caller and signals a typo or injection.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_PRINCIPAL = /[\u0000-\u001f\u007f,]/;
const MAX_PROBLEMS = 50;

export const EMPTY_MEMBERS: MembersDocument = { workspaces: new Map() };

/** Validates a parsed YAML/JSON value shaped like §8.3; every problem is reported, not just the first. */
export function parseMembersDocument(value: unknown, options: MembersValidationOptions = {}): MembersParseResult {
  const problems: MembersProblem[] = [];
  const report = (code: MembersProblemCode, path: string, message: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ code, path, message: `${path}: ${message}` });
  };
  const workspaces = new Map<string, MemberBinding[]>();

  if (!isRecord(value)) {
    report('wrong_shape', '(root)', 'must be a mapping with a `workspaces` key');
    return { ok: false, problems };
  }
  for (const key of Object.keys(value)) {
    if (key !== 'workspaces') report('unknown_key', key, 'unknown key (expected only `workspaces`)');
  }
  const rawWorkspaces = value['workspaces'];
  if (rawWorkspaces === undefined || rawWorkspaces === null) {
    return problems.length === 0 ? { ok: true, document: EMPTY_MEMBERS } : { ok: false, problems };
  }
  if (!isRecord(rawWorkspaces)) {
    report('wrong_shape', 'workspaces', 'must be a mapping of workspace name to {members: [...]}');
    return { ok: false, problems };
  }

  for (const [name, rawWorkspace] of Object.entries(rawWorkspaces)) {
    const wsPath = `workspaces.${name}`;
    if (!WORKSPACE_NAME.test(name)) {
      report('malformed_workspace', wsPath, 'workspace names are 1-128 letters, digits, `.`, `_`, `-`, starting with a letter or digit');
    }
    if (!isRecord(rawWorkspace)) {
      report('wrong_shape', wsPath, 'must be a mapping with a `members` list');
      continue;
    }
    for (const key of Object.keys(rawWorkspace)) {
      if (key !== 'members') report('unknown_key', `${wsPath}.${key}`, 'unknown key (expected only `members`)');
    }
    const rawMembers = rawWorkspace['members'] ?? [];
    if (!Array.isArray(rawMembers)) {
      report('wrong_shape', `${wsPath}.members`, 'must be a list of {principal, roles}');
      continue;
    }
    const bindings: MemberBinding[] = [];
    rawMembers.forEach((rawBinding: unknown, index) => {
      const binding = parseBinding(rawBinding, `${wsPath}.members[${index}]`, options, report);
      if (binding !== undefined) bindings.push(binding);
    });
    workspaces.set(name, bindings);
  }

  return problems.length === 0 ? { ok: true, document: { workspaces } } : { ok: false, problems };
}

function parseBinding(
  raw: unknown,
  path: string,
  options: MembersValidationOptions,
  report: (code: MembersProblemCode, path: string, message: string) => void,
): MemberBinding | undefined {
  if (!isRecord(raw)) {
    report('wrong_shape', path, 'must be a mapping {principal, roles}');
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'principal' && key !== 'roles') report('unknown_key', `${path}.${key}`, 'unknown key (expected `principal` and `roles`)');
  }
  const principal = raw['principal'];
  let valid = true;
  if (typeof principal !== 'string') {
    report('malformed_principal', `${path}.principal`, 'must be a string (subject id, email, group or "*")');
    valid = false;
  } else if (!isWellFormedPrincipal(principal)) {
    report('malformed_principal', `${path}.principal`, `${JSON.stringify(principal)} is not a usable principal (non-empty, at most ${MAX_PRINCIPAL_LENGTH} characters, no commas, control characters or surrounding spaces)`);
    valid = false;
  }
  const roles = raw['roles'];
  if (!Array.isArray(roles) || roles.length === 0) {
    report('wrong_shape', `${path}.roles`, 'must be a non-empty list of role names');
    return undefined;
  }
  const roleNames: string[] = [];
  roles.forEach((role: unknown, index) => {
    if (typeof role !== 'string') {
      report('wrong_shape', `${path}.roles[${index}]`, 'must be a role name');
      valid = false;
    } else if (options.knownRoles !== undefined && !options.knownRoles.has(role)) {
      report('unknown_role', `${path}.roles[${index}]`, `unknown role ${JSON.stringify(role)}`);
      valid = false;
    } else {
      roleNames.push(role);
    }
  });
  return valid && typeof principal === 'string' ? { principal, roles: roleNames } : undefined;
}

function isWellFormedPrincipal(principal: string): boolean {
  return (
    principal.length > 0 &&
    principal.length <= MAX_PRINCIPAL_LENGTH &&
    principal.trim() === principal &&
    !FORBIDDEN_IN_PRINCIPAL.test(principal)
  );
}

/**
 * Parses member data text. JSON takes the fast native parser (large generated files are JSON);
 * anything else is read as YAML.
 */
export function parseMembersText(text: string, format: 'json' | 'yaml', options: MembersValidationOptions = {}): MembersParseResult {
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ code: 'unparsable', path: '(root)', message: `(root): not valid ${format.toUpperCase()}: ${detail}` }] };
  }
  return parseMembersDocument(value, options);
}

/**
 * Reads the `/data.json` of a members bundle. An NMP deployment may serve the members file shape
 * (`workspaces` at the root or under `authz`) or the assembled §8.1 shape
 * (`authz.principals[p].workspaces[ws] = [roles]`); both become a MembersDocument.
 */
export function parseMembersBundleData(value: unknown, options: MembersValidationOptions = {}): MembersParseResult {
  if (isRecord(value) && !('workspaces' in value) && isRecord(value['authz'])) {
    const authz = value['authz'];
    if ('workspaces' in authz) return parseMembersDocument({ workspaces: authz['workspaces'] }, options);
    if ('principals' in authz) return parsePrincipalsShape(authz['principals'], options);
  }
  return parseMembersDocument(value, options);
}

function parsePrincipalsShape(principals: unknown, options: MembersValidationOptions): MembersParseResult {
  const shapeProblem = (path: string, message: string): MembersParseResult => ({
    ok: false,
    problems: [{ code: 'wrong_shape', path, message: `${path}: ${message}` }],
  });
  if (!isRecord(principals)) return shapeProblem('authz.principals', 'must be a mapping of principal to {workspaces: {...}}');
  const workspaces = new Map<string, { principal: string; roles: unknown }[]>();
  for (const [principal, entry] of Object.entries(principals)) {
    if (!isRecord(entry) || !isRecord(entry['workspaces'])) {
      return shapeProblem(`authz.principals.${principal}`, 'must be a mapping {workspaces: {<workspace>: [roles]}}');
    }
    for (const [ws, roles] of Object.entries(entry['workspaces'])) {
      let list = workspaces.get(ws);
      if (list === undefined) workspaces.set(ws, (list = []));
      list.push({ principal, roles });
    }
  }
  // Re-validated in the members file shape so both forms obey exactly the same rules.
  const asFile: Record<string, { members: { principal: string; roles: unknown }[] }> = {};
  for (const [ws, members] of workspaces) Object.defineProperty(asFile, ws, { value: { members }, enumerable: true });
  return parseMembersDocument({ workspaces: asFile }, options);
}

/** Number of (principal, workspace) bindings, for logs and readiness details. */
export function countBindings(document: MembersDocument): number {
  let total = 0;
  for (const bindings of document.workspaces.values()) total += bindings.length;
  return total;
}
