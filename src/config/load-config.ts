// YAML text / environment → a validated Config, reporting every problem with its dotted key path.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { isRecord } from '../shared/is-record.js';
import { packageRoot } from '../shared/package-root.js';
import {
  JWS_ALGORITHMS,
  PROVIDER_PRESETS,
  type AuthConfig,
  type Config,
  type DecisionLogTarget,
  type JwsAlgorithm,
  type LoggingConfig,
  type MembersConfig,
  type OidcConfig,
  type PolicyConfig,
  type ProviderPreset,
  type ServerConfig,
} from './config.js';
import { detectProvider, presetClaims } from './provider-presets.js';

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export const DEFAULT_CONFIG_FILE = 'nmp-authz.yaml';
const ENV_PREFIX = 'NMP_AUTH_';

/** A value that came from the environment: always text, so readers coerce it to the key's type. */
class EnvValue {
  constructor(readonly text: string, readonly variable: string) {}
}

/** Reads one mapping of the raw document, remembering which keys were consumed. */
class Section {
  private readonly seen = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly raw: Record<string, unknown>,
    private readonly problems: ConfigProblem[],
  ) {}

  private keyPath(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  private take(key: string): unknown {
    this.seen.add(key);
    return Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
  }

  report(key: string, message: string): void {
    const value = Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    const from = value instanceof EnvValue ? ` (from ${value.variable})` : '';
    this.problems.push({ path: this.keyPath(key) + from, message });
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    if (value instanceof EnvValue) {
      const text = value.text.trim().toLowerCase();
      if (text === 'true' || text === '1' || text === 'yes') return true;
      if (text === 'false' || text === '0' || text === 'no') return false;
    }
    this.report(key, 'must be a boolean');
    return fallback;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (value instanceof EnvValue && /^-?\d+$/.test(value.text.trim())) n = Number(value.text.trim());
    if (n === undefined || !Number.isInteger(n)) {
      this.report(key, 'must be an integer');
      return fallback;
    }
    if (n < min || n > max) {
      this.report(key, `must be between ${min} and ${max}`);
      return fallback;
    }
    return n;
  }

  optString(key: string): string | null {
    const value = this.take(key);
    if (value === undefined || value === null) return null;
    const text = value instanceof EnvValue ? value.text : value;
    if (typeof text !== 'string' || text === '') {
      this.report(key, 'must be a non-empty string');
      return null;
    }
    return text;
  }

  string(key: string, fallback: string): string {
    return this.optString(key) ?? fallback;
  }

  /** A list of strings; from the environment, a comma-separated list. */
  stringList(key: string, fallback: readonly string[], separator: RegExp = /,/): readonly string[] {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (value instanceof EnvValue) {
      return value.text.split(separator).map((s) => s.trim()).filter((s) => s !== '');
    }
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string' && item !== '')) {
      this.report(key, 'must be a list of non-empty strings');
      return fallback;
    }
    return value;
  }

  section(key: string): Section {
    const value = this.take(key);
    if (value === undefined || value === null) return new Section(this.keyPath(key), {}, this.problems);
    if (!isRecord(value)) {
      this.report(key, 'must be a mapping');
      return new Section(this.keyPath(key), {}, this.problems);
    }
    return new Section(this.keyPath(key), value, this.problems);
  }

  has(key: string): boolean {
    const value = Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    return value !== undefined && value !== null;
  }

  /** Unknown keys are errors (§3): a typo must not silently fall back to a default. */
  finish(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key)) this.report(key, 'unknown key');
    }
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function checkUrl(section: Section, key: string, value: string | null, requireHttps: boolean): string | null {
  if (value === null) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    section.report(key, 'must be an absolute URL');
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    section.report(key, 'must be an http(s) URL');
    return null;
  }
  // Plain http would let anyone on the path swap the signing keys; loopback is for development and tests.
  if (requireHttps && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    section.report(key, 'must use https (http is allowed only for loopback hosts)');
    return null;
  }
  return value;
}

function readServer(s: Section): ServerConfig {
  const grpc = s.section('grpc');
  const http = s.section('http');
  const server: ServerConfig = {
    grpc: {
      host: grpc.string('host', '127.0.0.1'),
      port: grpc.int('port', 9191, 0, 65535),
      maxReceiveBytes: grpc.int('max_receive_bytes', 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
    http: { host: http.string('host', '127.0.0.1'), port: http.int('port', 8181, 0, 65535) },
    shutdownGraceSeconds: s.int('shutdown_grace_seconds', 10, 0, 3600),
  };
  grpc.finish();
  http.finish();
  s.finish();
  return server;
}

function readAlgorithms(s: Section): readonly JwsAlgorithm[] {
  const list = s.stringList('algorithms', ['RS256', 'ES256']);
  const out: JwsAlgorithm[] = [];
  for (const alg of list) {
    const known = JWS_ALGORITHMS.find((a) => a === alg);
    if (known === undefined) {
      // Symmetric algorithms would let anyone holding the (public) JWKS mint tokens.
      const why = alg === 'none' || alg.startsWith('HS') ? 'is not allowed (asymmetric algorithms only)' : 'is not a supported algorithm';
      s.report('algorithms', `"${alg}" ${why}`);
      continue;
    }
    out.push(known);
  }
  if (list.length === 0) s.report('algorithms', 'must list at least one algorithm');
  return out;
}

function readOidc(s: Section): OidcConfig {
  const enabled = s.bool('enabled', false);
  const issuer = checkUrl(s, 'issuer', s.optString('issuer'), true);
  if (enabled && issuer === null && !s.has('issuer')) s.report('issuer', 'is required when oidc.enabled is true');
  const additionalIssuers = s.stringList('additional_issuers', []);
  const clientId = s.optString('client_id');
  const audience = s.optString('audience') ?? clientId;
  const providerText = s.optString('provider');
  let provider: ProviderPreset = issuer === null ? 'generic' : detectProvider(issuer);
  if (providerText !== null) {
    const known = PROVIDER_PRESETS.find((p) => p === providerText);
    if (known === undefined) s.report('provider', `must be one of ${PROVIDER_PRESETS.join(', ')}`);
    else provider = known;
  }
  const claims = presetClaims(provider);
  const oidc: OidcConfig = {
    enabled,
    issuer,
    additionalIssuers,
    clientId,
    audience,
    provider,
    emailClaim: s.string('email_claim', claims.email),
    subjectClaim: s.string('subject_claim', claims.subject),
    groupsClaim: s.string('groups_claim', claims.groups),
    defaultScopes: s.string('default_scopes', 'openid profile email offline_access'),
    scopePrefix: s.optString('scope_prefix'),
    tokenEndpoint: checkUrl(s, 'token_endpoint', s.optString('token_endpoint'), false),
    deviceAuthorizationEndpoint: checkUrl(s, 'device_authorization_endpoint', s.optString('device_authorization_endpoint'), false),
    authorizationEndpoint: checkUrl(s, 'authorization_endpoint', s.optString('authorization_endpoint'), false),
    userinfoEndpoint: checkUrl(s, 'userinfo_endpoint', s.optString('userinfo_endpoint'), false),
    jwksUri: checkUrl(s, 'jwks_uri', s.optString('jwks_uri'), true),
    discoveryCacheTtlSeconds: s.int('discovery_cache_ttl', 300, 1, 86400),
    algorithms: readAlgorithms(s),
    clockSkewSeconds: s.int('clock_skew_seconds', 60, 0, 600),
  };
  s.finish();
  return oidc;
}

const DEFAULT_PUBLIC_PATHS = ['/healthz', '/readyz', '/apis/auth/discovery'];

function readAuth(s: Section): AuthConfig {
  const auth: AuthConfig = {
    enabled: s.bool('enabled', false),
    adminEmail: s.optString('admin_email'),
    allowUnsignedJwt: s.bool('allow_unsigned_jwt', false),
    trustPrincipalHeaders: s.bool('trust_principal_headers', false),
    defaultWorkspace: s.string('default_workspace', 'default'),
    publicPaths: s.stringList('public_paths', DEFAULT_PUBLIC_PATHS),
    oidc: readOidc(s.section('oidc')),
  };
  for (const p of auth.publicPaths) {
    if (!p.startsWith('/')) s.report('public_paths', `"${p}" must start with /`);
  }
  s.finish();
  return auth;
}

function shippedDataFiles(): readonly string[] {
  const dir = join(packageRoot(), 'policies', 'data');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

function readPolicy(s: Section, baseDir: string): PolicyConfig {
  const source = s.optString('source');
  const data = s.stringList('data', []);
  const policy: PolicyConfig = {
    source: source === null ? join(packageRoot(), 'policies') : resolve(baseDir, source),
    entrypoint: s.string('entrypoint', 'authz/allow'),
    data: s.has('data') ? data.map((f) => (isAbsolute(f) ? f : resolve(baseDir, f))) : shippedDataFiles(),
    watch: s.bool('watch', true),
    decisionCacheSize: s.int('decision_cache_size', 10_000, 0, 1_000_000),
  };
  if (!/^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/.test(policy.entrypoint)) s.report('entrypoint', 'must look like pkg/rule');
  s.finish();
  return policy;
}

function readMembers(s: Section, baseDir: string): MembersConfig {
  const file = s.optString('file');
  const bundleUrl = checkUrl(s, 'bundle_url', s.optString('bundle_url'), false);
  const members: MembersConfig = {
    file: file === null ? null : resolve(baseDir, file),
    bundleUrl,
    pollIntervalSeconds: s.int('poll_interval_seconds', 30, 1, 86400),
  };
  if (members.file !== null && members.bundleUrl !== null) s.report('bundle_url', 'cannot be combined with members.file');
  s.finish();
  return members;
}

const LOG_LEVELS: readonly LoggingConfig['level'][] = ['debug', 'info', 'warn', 'error', 'silent'];

function readDecisionLog(s: Section, baseDir: string): DecisionLogTarget {
  const text = s.string('decision_log', 'stdout');
  if (text === 'stdout' || text === 'stderr' || text === 'off') return { kind: text };
  const path = resolve(baseDir, text);
  // Checked now so a typo fails the start rather than every decision line later.
  if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) {
    s.report('decision_log', 'must be stdout, stderr, off, or a file path in an existing directory');
  } else if (existsSync(path) && !statSync(path).isFile()) {
    s.report('decision_log', 'must name a regular file');
  }
  return { kind: 'file', path };
}

function readLogging(s: Section, baseDir: string): LoggingConfig {
  const text = s.string('level', 'info');
  const level = LOG_LEVELS.find((l) => l === text);
  if (level === undefined) s.report('level', `must be one of ${LOG_LEVELS.join(', ')}`);
  const decisionLog = readDecisionLog(s, baseDir);
  s.finish();
  return { level: level ?? 'info', decisionLog };
}

/** NMP convention: NMP_AUTH_ + upper-case key, `__` between nested keys, all under `auth`. */
function applyEnvironment(raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const names = Object.keys(env).filter((k) => k.startsWith(ENV_PREFIX)).sort();
  if (names.length === 0) return raw;
  const root: Record<string, unknown> = { ...raw };
  const auth: Record<string, unknown> = isRecord(root['auth']) ? { ...root['auth'] } : {};
  root['auth'] = auth;
  for (const name of names) {
    const text = env[name];
    if (text === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    let target = auth;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      const copy: Record<string, unknown> = isRecord(next) ? { ...next } : {};
      target[key] = copy;
      target = copy;
    }
    const last = keys[keys.length - 1];
    if (last !== undefined && last !== '') target[last] = new EnvValue(text, name);
  }
  return root;
}

/** Validates an already-parsed document; `baseDir` anchors relative paths (the config file's folder). */
export function buildConfig(
  raw: unknown,
  opts: { readonly env?: Readonly<Record<string, string | undefined>>; readonly baseDir: string; readonly origin?: Config['origin'] },
): ConfigResult {
  const problems: ConfigProblem[] = [];
  const doc = raw === null || raw === undefined ? {} : raw;
  if (!isRecord(doc)) return { ok: false, problems: [{ path: '(root)', message: 'must be a mapping' }] };
  const root = new Section('', applyEnvironment(doc, opts.env ?? {}), problems);
  const config: Config = {
    server: readServer(root.section('server')),
    auth: readAuth(root.section('auth')),
    policy: readPolicy(root.section('policy'), opts.baseDir),
    members: readMembers(root.section('members'), opts.baseDir),
    logging: readLogging(root.section('logging'), opts.baseDir),
    origin: opts.origin ?? 'object',
  };
  root.finish();
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

/** §3.4: what `serve` runs with when there is no configuration file at all. */
export function quickstartDocument(): Record<string, unknown> {
  const members = join(packageRoot(), 'policies', 'members.example.yaml');
  return {
    auth: { enabled: true, allow_unsigned_jwt: true, admin_email: 'admin@example.com' },
    members: existsSync(members) ? { file: members } : {},
  };
}

export function parseConfigText(
  text: string,
  opts: { readonly env?: Readonly<Record<string, string | undefined>>; readonly baseDir: string; readonly fileName: string },
): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err: unknown) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const where = pos === undefined ? opts.fileName : `${opts.fileName}:${pos.line}:${pos.col}`;
      return { ok: false, problems: [{ path: where, message: `invalid YAML (${err.code})` }] };
    }
    throw err;
  }
  return buildConfig(raw, { env: opts.env ?? {}, baseDir: opts.baseDir, origin: 'file' });
}

/**
 * `--config FILE`, else ./nmp-authz.yaml when present, else the quickstart (§2). Environment
 * overrides apply in every case.
 */
export async function loadConfig(opts: {
  readonly file?: string | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Promise<ConfigResult> {
  let file = opts.file === undefined ? undefined : resolve(opts.cwd, opts.file);
  if (file === undefined) {
    const candidate = join(opts.cwd, DEFAULT_CONFIG_FILE);
    if (existsSync(candidate) && statSync(candidate).isFile()) file = candidate;
  }
  if (file === undefined) {
    return buildConfig(quickstartDocument(), { env: opts.env, baseDir: opts.cwd, origin: 'quickstart' });
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'read_error';
    return { ok: false, problems: [{ path: file, message: `cannot read configuration (${code})` }] };
  }
  return parseConfigText(text, { env: opts.env, baseDir: dirname(file), fileName: file });
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
