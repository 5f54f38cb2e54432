// `nmp-authz token`: prints an unsigned development JWT (§4.4) for the quickstart mode.
import { createUnsignedToken } from '../identity/create-unsigned-token.js';
import { isValidEmail, isValidPrincipalId } from '../identity/validate-identity-values.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './cli-io.js';

const USAGE = 'usage: nmp-authz token --email E [--sub S] [--groups a,b] [--scope "s1 s2"] [--ttl 24h]\n';
const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `90s`, `30m`, `24h`, `7d` → seconds; null when malformed or not positive. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) return null;
  const seconds = Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : null;
}

export interface TokenArgs {
  readonly email: string;
  readonly sub?: string;
  readonly groups: readonly string[];
  readonly scope?: string;
  readonly ttlSeconds: number;
}

export function parseTokenArgs(args: readonly string[]): { ok: true; value: TokenArgs } | { ok: false; message: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!['--email', '--sub', '--groups', '--scope', '--ttl'].includes(name)) return { ok: false, message: `unknown argument ${arg}` };
    const value = eq === -1 ? args[i + 1] : arg.slice(eq + 1);
    if (value === undefined) return { ok: false, message: `${name} needs a value` };
    if (eq === -1) i += 1;
    values.set(name, value);
  }
  const email = values.get('--email');
  if (email === undefined) return { ok: false, message: '--email is required' };
  if (!isValidEmail(email) || !isValidPrincipalId(email)) return { ok: false, message: '--email is not a valid principal' };
  const sub = values.get('--sub');
  if (sub !== undefined && !isValidPrincipalId(sub)) return { ok: false, message: '--sub is not a valid principal id' };
  const ttl = parseDuration(values.get('--ttl') ?? '24h');
  if (ttl === null) return { ok: false, message: '--ttl must look like 3600, 30m, 24h or 7d' };
  const groups = (values.get('--groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
  const scope = values.get('--scope');
  return {
    ok: true,
    value: {
      email,
      groups,
      ttlSeconds: ttl,
      ...(sub === undefined ? {} : { sub }),
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

export function runToken(args: readonly string[], io: CliIo, now: () => number = Date.now): Promise<number> {
  const parsed = parseTokenArgs(args);
  if (!parsed.ok) {
    io.stderr(`nmp-authz token: ${parsed.message}\n${USAGE}`);
    return Promise.resolve(EXIT_USAGE);
  }
  const a = parsed.value;
  io.stdout(`${createUnsignedToken({ ...a, nowMs: now() })}\n`);
  return Promise.resolve(EXIT_OK);
}
