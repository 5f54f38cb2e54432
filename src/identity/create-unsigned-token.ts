// Mints the `alg: none` development tokens of §4.4 (used by `nmp-authz token` and tests).

export interface UnsignedTokenClaims {
  readonly email: string;
  readonly sub?: string;
  readonly groups?: readonly string[];
  readonly scope?: string;
  readonly ttlSeconds: number;
  readonly nowMs: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function createUnsignedToken(claims: UnsignedTokenClaims): string {
  const iat = Math.floor(claims.nowMs / 1000);
  const payload: Record<string, unknown> = {
    sub: claims.sub ?? claims.email,
    email: claims.email,
    iat,
    exp: iat + claims.ttlSeconds,
    ...(claims.groups !== undefined && claims.groups.length > 0 ? { groups: claims.groups } : {}),
    ...(claims.scope !== undefined && claims.scope !== '' ? { scope: claims.scope } : {}),
    ...claims.extra,
  };
  return `${base64url('{"alg":"none","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.`;
}
