// Who is calling. Access tokens are Ed25519-signed JWTs issued by the auth subgraph and
// verified everywhere (gateway and every subgraph) against auth's JWKS. Only the verified
// token counts: no service trusts identity headers.
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';

export const TOKEN_ISSUER = 'flowex-auth';
export const TOKEN_AUDIENCE = 'flowex';
export const TOKEN_ALGORITHM = 'EdDSA';

export type Role = 'TRADER' | 'ADMIN';

export interface Identity {
  userId: string;
  roles: Role[];
  sessionId: string;
  /** Compact numeric account id (User.accountNo) the matching engine uses. */
  accountNo: number;
  /** Seconds since the epoch; a subscription is closed when this passes. */
  expiresAt: number;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
  /** The identity in an `Authorization: Bearer …` value; null when there is none. */
  fromAuthorization(header: string | undefined | null): Promise<Identity | null>;
  /** The identity of an `Authorization` value already verified and not expired, else null. */
  known(header: string | undefined | null): Identity | null;
}

export function createTokenVerifier(keys: string | JWTVerifyGetKey): TokenVerifier {
  const getKey = typeof keys === 'string' ? createRemoteJWKSet(new URL(keys)) : keys;
  const verify = async (token: string): Promise<Identity> => {
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [TOKEN_ALGORITHM],
      });
      const { sub, sid, roles, acct, exp } = payload as Record<string, unknown>;
      if (typeof sub !== 'string' || typeof sid !== 'string' || !Array.isArray(roles)) {
        throw new InvalidTokenError('token lacks sub, sid or roles');
      }
      return {
        userId: sub,
        sessionId: sid,
        roles: roles.filter((r): r is Role => r === 'TRADER' || r === 'ADMIN'),
        accountNo: typeof acct === 'number' ? acct : 0,
        expiresAt: typeof exp === 'number' ? exp : 0,
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError((error as Error).message);
    }
  };
  // A verified token is remembered until it expires: one signature check per token and
  // process, not one per request (a trader sends hundreds of requests with the same token).
  const verified = new Map<string, Identity>();
  return {
    verify,
    async fromAuthorization(header) {
      if (!header) return null;
      const cached = verified.get(header);
      if (cached) {
        if (cached.expiresAt * 1000 > Date.now()) return cached;
        verified.delete(header);
        throw new InvalidTokenError('token expired');
      }
      const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
      if (!match?.[1]) throw new InvalidTokenError('Authorization must be "Bearer <token>"');
      const identity = await verify(match[1]);
      if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
      verified.set(header, identity);
      return identity;
    },
    known(header) {
      const cached = header ? verified.get(header) : undefined;
      return cached && cached.expiresAt * 1000 > Date.now() ? cached : null;
    },
  };
}
