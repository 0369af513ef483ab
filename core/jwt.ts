export interface JwtTimes {
  /** ms since epoch, when the token carries `iat`. */
  issuedAt: number | undefined;
  /** ms since epoch, when the token carries `exp`. */
  expiresAt: number | undefined;
}

/**
 * `iat` and `exp` of a JWT, read without verifying the signature: the issuer (ACR) verifies its own tokens; we only
 * need to know when to stop using one. Anything that is not a readable JWT yields undefined times.
 */
export function jwtTimes(token: string): JwtTimes {
  const none: JwtTimes = { issuedAt: undefined, expiresAt: undefined };
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return none;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return none;
  }
  if (typeof claims !== 'object' || claims === null) return none;
  const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
  return {
    issuedAt: typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined,
    expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined,
  };
}
