import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { RouteFile } from '../routes/schema';

export interface Principal {
  /** The API key's id or the token's subject: what rate limits count by. */
  id: string;
  scopes: ReadonlySet<string>;
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };

type Accept = 'apiKey' | 'jwt';

function scopesOf(claim: unknown): Set<string> {
  if (typeof claim === 'string') return new Set(claim.split(' ').filter(Boolean));
  if (Array.isArray(claim)) return new Set(claim.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

/**
 * Access control for chosen routes: an API key in X-Api-Key (the file holds
 * only SHA-256 hashes of keys) or a JWT bearer token checked with jose.
 * 401 means "who are you?", 403 "you may not do this".
 */
export class Authenticator {
  private readonly keys: Map<string, Principal>;
  private readonly jwtKey?: Uint8Array | JWTVerifyGetKey;

  constructor(private readonly spec: RouteFile['auth']) {
    this.keys = new Map(
      spec.apiKeys.map((k) => [k.sha256, { id: `key:${k.id}`, scopes: new Set(k.scopes) }]),
    );
    if (spec.jwt?.secret) this.jwtKey = new TextEncoder().encode(spec.jwt.secret);
    else if (spec.jwt?.jwksUrl) this.jwtKey = createRemoteJWKSet(new URL(spec.jwt.jwksUrl));
  }

  async check(
    req: IncomingMessage,
    accept: readonly Accept[],
    scopes: readonly string[],
    { allowTokensWithoutExpiry = false } = {},
  ): Promise<AuthOutcome> {
    const principal =
      (accept.includes('apiKey') && this.fromApiKey(req)) ||
      (accept.includes('jwt') && (await this.fromJwt(req, allowTokensWithoutExpiry)));
    if (!principal)
      return {
        ok: false,
        code: 'UNAUTHENTICATED',
        message: `Send ${accept.map((a) => (a === 'jwt' ? 'a bearer token' : 'an API key')).join(' or ')}`,
      };
    const missing = scopes.filter((s) => !principal.scopes.has(s));
    if (missing.length)
      return { ok: false, code: 'FORBIDDEN', message: `Missing scope ${missing.join(', ')}` };
    return { ok: true, principal };
  }

  private fromApiKey(req: IncomingMessage): Principal | undefined {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !key) return undefined;
    // Hashing first makes the lookup independent of how much of a guess was right.
    return this.keys.get(createHash('sha256').update(key).digest('hex'));
  }

  /** A token that never expires is a leaked credential forever, so `exp` is required by default. */
  private async fromJwt(
    req: IncomingMessage,
    allowWithoutExpiry: boolean,
  ): Promise<Principal | undefined> {
    const header = req.headers.authorization;
    if (!this.jwtKey || !header?.startsWith('Bearer ')) return undefined;
    const jwt = this.spec.jwt!;
    try {
      const { payload } = await jwtVerify(header.slice(7), this.jwtKey as Uint8Array, {
        ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience ? { audience: jwt.audience } : {}),
        ...(jwt.secret ? { algorithms: ['HS256', 'HS384', 'HS512'] } : {}),
        ...(allowWithoutExpiry ? {} : { requiredClaims: ['exp'] }),
      });
      return { id: `sub:${payload.sub ?? 'anonymous'}`, scopes: scopesOf(payload[jwt.scopeClaim]) };
    } catch {
      return undefined;
    }
  }
}
