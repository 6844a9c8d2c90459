// Who is calling, as far as the gateway cares: the access token is verified here (JWKS from
// auth) and forwarded as-is; subgraphs verify it again. Identity headers a client sets are
// never forwarded: only `authorization` goes upstream.
import { type Identity, InvalidTokenError, type TokenVerifier } from '@flowex/server';

export type { Identity };
export { InvalidTokenError };

/** Headers a client must never be able to set for a subgraph. Dropped, never forwarded. */
export const SPOOFABLE_IDENTITY_HEADERS = [
  'x-user-id',
  'x-user-roles',
  'x-user-email',
  'x-forwarded-user',
  'x-account-no',
  'x-session-id',
  'x-identity',
] as const;

/**
 * Verified tokens are remembered until they expire, so a token costs one signature check
 * per gateway process, not one per request.
 */
export class CachingVerifier {
  private readonly cache = new Map<string, Identity>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly size = 10_000,
  ) {}

  /**
   * The identity behind an `Authorization` value; null without one. Throws
   * InvalidTokenError for a malformed, forged or expired token.
   */
  async fromAuthorization(header: string | undefined | null): Promise<Identity | null> {
    if (!header) return null;
    const cached = this.cache.get(header);
    if (cached) {
      if (cached.expiresAt * 1000 > Date.now()) return cached;
      this.cache.delete(header);
      throw new InvalidTokenError('token expired');
    }
    const identity = await this.verifier.fromAuthorization(header);
    if (!identity) return null;
    if (this.cache.size >= this.size) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(header, identity);
    return identity;
  }
}

/** The `Authorization` value a graphql-ws connection_init payload carries, if any. */
export function authorizationFromPayload(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  const value = p.authorization ?? p.Authorization;
  return typeof value === 'string' && value ? value : undefined;
}
