// Who is calling, as far as the gateway cares: the access token is verified here (JWKS from
// auth) and forwarded as-is; subgraphs verify it again. Identity headers a client sets are
// never forwarded: only `authorization` goes upstream. The verifier (createTokenVerifier)
// remembers verified tokens until they expire: one signature check per token and process.
import { type Identity, InvalidTokenError, type TokenVerifier } from '@flowex/server';

export type { Identity, TokenVerifier };
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

/** The `Authorization` value a graphql-ws connection_init payload carries, if any. */
export function authorizationFromPayload(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  const value = p.authorization ?? p.Authorization;
  return typeof value === 'string' && value ? value : undefined;
}
