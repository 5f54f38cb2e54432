// Static data files + member bindings + config → the `data` document the authz policy reads (§8.1).
//
// Besides the §8.1 keys, the assembly precomputes what would otherwise cost the policy a scan per
// request: role inclusion closures, an endpoint index keyed by segment count and the first two
// segments (with a specificity rank per pattern), and the request's workspace position per pattern.
// The policy then does O(1) work in the number of bindings and tries only a few endpoint patterns.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MembersDocument } from '../members/members-document.js';
import { isRecord } from '../shared/is-record.js';

export const HTTP_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RoleDefinition {
  readonly permissions: readonly string[];
  readonly includes: readonly string[];
}

export interface EndpointRule {
  readonly permissions: readonly string[];
  readonly scopes: readonly string[];
  readonly deny: boolean;
}

export interface StaticData {
  readonly roles: ReadonlyMap<string, RoleDefinition>;
  /** Path pattern → method → rule. */
  readonly endpoints: ReadonlyMap<string, ReadonlyMap<HttpMethod, EndpointRule>>;
}

export interface AssembleOptions {
  readonly adminEmail?: string | null | undefined;
  readonly defaultWorkspace: string;
  /** Exact paths, or `/prefix/*` for a prefix and everything below it (§3.2). */
  readonly publicPaths: readonly string[];
}

/** One endpoint pattern as the policy sees it in `data.authz.endpoint_list[rank]`. */
export interface IndexedEndpoint {
  readonly pattern: string;
  readonly rank: number;
  /** Literal segments by their index in `split(path, "/")`; placeholders are not listed. */
  readonly literals: readonly { readonly at: number; readonly text: string }[];
  /** Index in `split(path, "/")` of the workspace segment; absent → the `system` workspace. */
  readonly workspace_at?: number;
  readonly methods: Readonly<Record<string, EndpointRule>>;
}

export interface EndpointBucket {
  /** Second segment → third segment → ranks (patterns whose first two path segments are literal). */
  readonly by_prefix: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
  /** Ranks of patterns with a placeholder in their first two segments, or shorter than that. */
  readonly wild: readonly number[];
}

export interface AuthzData {
  readonly roles: Readonly<Record<string, RoleDefinition>>;
  /** Role → the role itself and every role it includes, transitively. */
  readonly role_closure: Readonly<Record<string, readonly string[]>>;
  /** Role → its own permissions as a set (`{permission: true}`), so a check is one hashed lookup. */
  readonly role_grants: Readonly<Record<string, Readonly<Record<string, true>>>>;
  readonly endpoints: Readonly<Record<string, Readonly<Record<string, EndpointRule>>>>;
  /** Indexed by `count(split(path, "/"))`. */
  readonly endpoint_index: readonly EndpointBucket[];
  /** Indexed by rank: lower rank = more specific. */
  readonly endpoint_list: readonly IndexedEndpoint[];
  readonly principals: Readonly<Record<string, { readonly workspaces: Readonly<Record<string, readonly string[]>> }>>;
  readonly config: {
    readonly admin_email: string | null;
    readonly default_workspace: string;
    readonly public_paths: readonly string[];
    readonly public_exact: Readonly<Record<string, true>>;
    readonly public_prefixes: readonly string[];
  };
}

export interface DataProblem {
  /** `file: key path` or just a key path for problems found while assembling. */
  readonly where: string;
  readonly message: string;
}

/** Every problem found in static data or during assembly; the message lists them all. */
export class DataDocumentError extends Error {
  readonly code = 'data_invalid';
  readonly problems: readonly DataProblem[];

  constructor(problems: readonly DataProblem[]) {
    super(problems.map((p) => `${p.where}: ${p.message}`).join('\n'));
    this.name = 'DataDocumentError';
    this.problems = problems;
  }
}

const SYSTEM_WORKSPACE = 'system';
const PLATFORM_ADMIN = 'PlatformAdmin';
const MAX_PATTERN_SEGMENTS = 64;
const PLACEHOLDER = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** Reads and merges static data files (YAML or JSON, each shaped like §8.1 without `authz`). */
export async function loadStaticData(files: readonly string[]): Promise<StaticData> {
  const problems: DataProblem[] = [];
  const roles = new Map<string, RoleDefinition>();
  const roleOrigin = new Map<string, string>();
  const endpoints = new Map<string, Map<HttpMethod, EndpointRule>>();
  const endpointOrigin = new Map<string, string>();

  for (const file of files) {
    let value: unknown;
    try {
      const text = await readFile(file, 'utf8');
      value = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error: unknown) {
      problems.push({ where: file, message: `cannot be read: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      problems.push({ where: file, message: 'must be a mapping with `roles` and/or `endpoints`' });
      continue;
    }
    for (const [key, section] of Object.entries(value)) {
      switch (key) {
        case 'roles':
          mergeRoles(file, section, roles, roleOrigin, problems);
          break;
        case 'endpoints':
          mergeEndpoints(file, section, endpoints, endpointOrigin, problems);
          break;
        default:
          problems.push({ where: `${file}: ${key}`, message: 'unknown key (static data holds `roles` and `endpoints`)' });
      }
    }
  }

  checkRoleReferences(roles, roleOrigin, problems);
  checkPatternClashes(endpoints, endpointOrigin, problems);
  if (problems.length > 0) throw new DataDocumentError(problems);
  return { roles, endpoints };
}

function mergeRoles(file: string, section: unknown, roles: Map<string, RoleDefinition>, origin: Map<string, string>, problems: DataProblem[]): void {
  if (!isRecord(section)) {
    problems.push({ where: `${file}: roles`, message: 'must be a mapping of role name to {permissions, includes}' });
    return;
  }
  for (const [name, raw] of Object.entries(section)) {
    const where = `${file}: roles.${name}`;
    const previous = origin.get(name);
    if (previous !== undefined) {
      problems.push({ where, message: `role already defined in ${previous}` });
      continue;
    }
    if (!isRecord(raw)) {
      problems.push({ where, message: 'must be a mapping {permissions: [...], includes: [...]}' });
      continue;
    }
    for (const key of Object.keys(raw)) {
      if (key !== 'permissions' && key !== 'includes') problems.push({ where: `${where}.${key}`, message: 'unknown key' });
    }
    const permissions = stringList(raw['permissions'] ?? [], `${where}.permissions`, problems);
    const includes = stringList(raw['includes'] ?? [], `${where}.includes`, problems);
    if (permissions === undefined || includes === undefined) continue;
    roles.set(name, { permissions, includes });
    origin.set(name, file);
  }
}

function mergeEndpoints(
  file: string,
  section: unknown,
  endpoints: Map<string, Map<HttpMethod, EndpointRule>>,
  origin: Map<string, string>,
  problems: DataProblem[],
): void {
  if (!isRecord(section)) {
    problems.push({ where: `${file}: endpoints`, message: 'must be a mapping of path pattern to methods' });
    return;
  }
  for (const [pattern, rawMethods] of Object.entries(section)) {
    const where = `${file}: endpoints.${pattern}`;
    const patternProblem = checkPattern(pattern);
    if (patternProblem !== undefined) {
      problems.push({ where, message: patternProblem });
      continue;
    }
    if (!isRecord(rawMethods)) {
      problems.push({ where, message: 'must be a mapping of lower-case method to {permissions, scopes, deny}' });
      continue;
    }
    let methods = endpoints.get(pattern);
    if (methods === undefined) endpoints.set(pattern, (methods = new Map()));
    for (const [method, rawRule] of Object.entries(rawMethods)) {
      const ruleWhere = `${where}.${method}`;
      if (!isHttpMethod(method)) {
        problems.push({ where: ruleWhere, message: `unknown method (use one of ${HTTP_METHODS.join(', ')}, lower-case)` });
        continue;
      }
      const key = `${method} ${pattern}`;
      const previous = origin.get(key);
      if (previous !== undefined) {
        problems.push({ where: ruleWhere, message: `already defined in ${previous}` });
        continue;
      }
      const rule = parseEndpointRule(rawRule, ruleWhere, problems);
      if (rule === undefined) continue;
      methods.set(method, rule);
      origin.set(key, file);
    }
  }
}

function parseEndpointRule(raw: unknown, where: string, problems: DataProblem[]): EndpointRule | undefined {
  if (!isRecord(raw)) {
    problems.push({ where, message: 'must be a mapping {permissions: [...], scopes: [...], deny?: bool}' });
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'permissions' && key !== 'scopes' && key !== 'deny') problems.push({ where: `${where}.${key}`, message: 'unknown key' });
  }
  const permissions = stringList(raw['permissions'] ?? [], `${where}.permissions`, problems);
  const scopes = stringList(raw['scopes'] ?? [], `${where}.scopes`, problems);
  const deny = raw['deny'] ?? false;
  if (typeof deny !== 'boolean') {
    problems.push({ where: `${where}.deny`, message: 'must be true or false' });
    return undefined;
  }
  if (permissions === undefined || scopes === undefined) return undefined;
  return { permissions, scopes, deny };
}

function stringList(value: unknown, where: string, problems: DataProblem[]): string[] | undefined {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string' && item.length > 0)) {
    problems.push({ where, message: 'must be a list of non-empty strings' });
    return undefined;
  }
  return [...new Set(value)];
}

function checkPattern(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'a path pattern must start with `/`';
  const segments = pattern.split('/').slice(1);
  if (segments.length + 1 > MAX_PATTERN_SEGMENTS) return `at most ${MAX_PATTERN_SEGMENTS - 1} segments`;
  for (const segment of segments) {
    if (segment === '') return 'empty segment (double or trailing `/`)';
    if ((segment.includes('{') || segment.includes('}')) && !PLACEHOLDER.test(segment)) {
      return `segment ${JSON.stringify(segment)}: a placeholder is a whole segment written {name}`;
    }
  }
  return undefined;
}

function isHttpMethod(method: string): method is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(method);
}

function isPlaceholder(segment: string): boolean {
  return segment.startsWith('{');
}

/** `/a/{x}` and `/a/{y}` match the same paths; with a shared method the winner would be arbitrary. */
function checkPatternClashes(endpoints: ReadonlyMap<string, ReadonlyMap<HttpMethod, EndpointRule>>, origin: ReadonlyMap<string, string>, problems: DataProblem[]): void {
  const byShape = new Map<string, string>();
  for (const [pattern, methods] of endpoints) {
    const shape = pattern
      .split('/')
      .map((segment) => (isPlaceholder(segment) ? '{}' : segment))
      .join('/');
    for (const method of methods.keys()) {
      const key = `${method} ${shape}`;
      const other = byShape.get(key);
      if (other !== undefined) {
        problems.push({
          where: `${origin.get(`${method} ${pattern}`) ?? '?'}: endpoints.${pattern}.${method}`,
          message: `matches exactly the same paths as ${other}`,
        });
      } else {
        byShape.set(key, pattern);
      }
    }
  }
}

function checkRoleReferences(roles: ReadonlyMap<string, RoleDefinition>, origin: ReadonlyMap<string, string>, problems: DataProblem[]): void {
  for (const [name, role] of roles) {
    for (const included of role.includes) {
      if (!roles.has(included)) problems.push({ where: `${origin.get(name) ?? '?'}: roles.${name}.includes`, message: `unknown role ${JSON.stringify(included)}` });
    }
  }
  for (const name of roles.keys()) {
    const cycle = findCycle(name, roles);
    if (cycle !== undefined) {
      problems.push({ where: `${origin.get(name) ?? '?'}: roles.${name}.includes`, message: `roles include each other in a cycle: ${cycle.join(' → ')}` });
      return;
    }
  }
}

function findCycle(start: string, roles: ReadonlyMap<string, RoleDefinition>): string[] | undefined {
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    path.push(name);
    for (const next of roles.get(name)?.includes ?? []) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    path.pop();
    return undefined;
  };
  return visit(start);
}

/** Builds the full data document for the policy: `{authz: ...}`. Throws DataDocumentError. */
export function assembleData(staticData: StaticData, members: MembersDocument, opts: AssembleOptions): { authz: AuthzData } {
  const problems: DataProblem[] = [];
  const roles = nullObject<RoleDefinition>();
  for (const [name, role] of staticData.roles) roles[name] = role;
  const roleClosure = closeRoles(staticData.roles);
  const roleGrants = nullObject<Record<string, true>>();
  for (const [name, role] of staticData.roles) {
    const grants = nullObject<true>();
    for (const permission of role.permissions) grants[permission] = true;
    roleGrants[name] = grants;
  }

  const endpoints = nullObject<Record<string, EndpointRule>>();
  for (const [pattern, methods] of staticData.endpoints) endpoints[pattern] = Object.fromEntries(methods);
  const { list, index } = indexEndpoints(staticData.endpoints);

  // Built straight into the output objects: with a million bindings, intermediate Maps and Sets
  // cost more time and memory than the document itself.
  const principals = nullObject<{ workspaces: Record<string, string[]> }>();
  const bind = (principal: string, workspace: string, role: string): void => {
    const entry = principals[principal] ?? (principals[principal] = { workspaces: nullObject<string[]>() });
    const held = entry.workspaces[workspace];
    if (held === undefined) entry.workspaces[workspace] = [role];
    else if (!held.includes(role)) held.push(role);
  };
  // §8.4 defaults first, so the members data can only add to them.
  for (const [principal, workspace, role] of defaultBindings(opts)) {
    if (!staticData.roles.has(role)) problems.push({ where: `default binding ${principal} in ${workspace}`, message: `role ${role} is not defined in the static data` });
    bind(principal, workspace, role);
  }
  for (const [workspace, workspaceBindings] of members.workspaces) {
    workspaceBindings.forEach((binding, i) => {
      for (const role of binding.roles) {
        if (!staticData.roles.has(role)) {
          problems.push({ where: `members: workspaces.${workspace}.members[${i}]`, message: `unknown role ${JSON.stringify(role)}` });
        }
        bind(binding.principal, workspace, role);
      }
    });
  }

  const publicExact = nullObject<true>();
  const publicPrefixes: string[] = [];
  for (const path of opts.publicPaths) {
    if (!path.startsWith('/') || (path.includes('*') && !/^\/[^*]*\/\*$/.test(path) && path !== '/*')) {
      problems.push({ where: `public_paths: ${path}`, message: 'must be an exact path or `/prefix/*`' });
    } else if (path.endsWith('/*')) {
      const prefix = path.slice(0, -1);
      publicPrefixes.push(prefix);
      if (prefix.length > 1) publicExact[prefix.slice(0, -1)] = true;
    } else {
      publicExact[path] = true;
    }
  }
  if (problems.length > 0) throw new DataDocumentError(problems);

  for (const principal in principals) {
    const workspaces = principals[principal]?.workspaces ?? {};
    for (const workspace in workspaces) {
      const held = workspaces[workspace];
      if (held !== undefined && held.length > 1) held.sort();
    }
  }

  return {
    authz: {
      roles,
      role_closure: roleClosure,
      role_grants: roleGrants,
      endpoints,
      endpoint_index: index,
      endpoint_list: list,
      principals,
      config: {
        admin_email: opts.adminEmail ?? null,
        default_workspace: opts.defaultWorkspace,
        public_paths: [...opts.publicPaths],
        public_exact: publicExact,
        public_prefixes: publicPrefixes,
      },
    },
  };
}

function defaultBindings(opts: AssembleOptions): [principal: string, workspace: string, role: string][] {
  const defaults: [string, string, string][] = [
    ['*', opts.defaultWorkspace, 'Editor'],
    ['*', SYSTEM_WORKSPACE, 'Viewer'],
    ['*', SYSTEM_WORKSPACE, 'WorkspaceCreator'],
  ];
  if (opts.adminEmail !== undefined && opts.adminEmail !== null && opts.adminEmail !== '') {
    defaults.push([opts.adminEmail, SYSTEM_WORKSPACE, PLATFORM_ADMIN]);
  }
  return defaults;
}

function closeRoles(roles: ReadonlyMap<string, RoleDefinition>): Record<string, string[]> {
  const closure = nullObject<string[]>();
  for (const name of roles.keys()) {
    const reached = new Set<string>();
    const pending = [name];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (reached.has(next)) continue;
      reached.add(next);
      pending.push(...(roles.get(next)?.includes ?? []));
    }
    closure[name] = [...reached].sort();
  }
  return closure;
}

/**
 * Ranks patterns by specificity (more literal segments first, then the leftmost literal, then text
 * for a stable order) and buckets them by segment count and first two segments.
 */
function indexEndpoints(endpoints: ReadonlyMap<string, ReadonlyMap<HttpMethod, EndpointRule>>): { list: IndexedEndpoint[]; index: EndpointBucket[] } {
  const patterns = [...endpoints.keys()].map((pattern) => ({ pattern, segments: pattern.split('/') }));
  patterns.sort((a, b) => compareSpecificity(a.segments, b.segments) || (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));

  const list: IndexedEndpoint[] = [];
  const buckets: { by_prefix: Record<string, Record<string, number[]>>; wild: number[] }[] = [];
  patterns.forEach(({ pattern, segments }, rank) => {
    const literals: { at: number; text: string }[] = [];
    segments.forEach((text, at) => {
      if (at > 0 && !isPlaceholder(text)) literals.push({ at, text });
    });
    const workspaceAt = findWorkspaceSegment(segments);
    const methods = Object.fromEntries(endpoints.get(pattern) ?? new Map<HttpMethod, EndpointRule>());
    list.push(workspaceAt === undefined ? { pattern, rank, literals, methods } : { pattern, rank, literals, workspace_at: workspaceAt, methods });

    while (buckets.length <= segments.length) buckets.push({ by_prefix: nullObject(), wild: [] });
    const bucket = buckets[segments.length];
    if (bucket === undefined) return;
    const first = segments[1];
    const second = segments[2];
    if (first === undefined || second === undefined || isPlaceholder(first) || isPlaceholder(second)) {
      bucket.wild.push(rank);
    } else {
      const level = bucket.by_prefix[first] ?? (bucket.by_prefix[first] = nullObject());
      (level[second] ?? (level[second] = [])).push(rank);
    }
  });
  return { list, index: buckets };
}

function compareSpecificity(a: readonly string[], b: readonly string[]): number {
  const literalCount = (segments: readonly string[]): number => segments.filter((s) => !isPlaceholder(s)).length;
  const byCount = literalCount(b) - literalCount(a);
  if (byCount !== 0) return byCount;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const aLiteral = !isPlaceholder(a[i] ?? '');
    const bLiteral = !isPlaceholder(b[i] ?? '');
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  return 0;
}

/** The `{workspace}` placeholder, else the placeholder right after a literal `workspaces`. */
function findWorkspaceSegment(segments: readonly string[]): number | undefined {
  const explicit = segments.indexOf('{workspace}');
  if (explicit > 0) return explicit;
  for (let i = 1; i + 1 < segments.length; i++) {
    if (segments[i] === 'workspaces' && isPlaceholder(segments[i + 1] ?? '')) return i + 1;
  }
  return undefined;
}

function nullObject<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
