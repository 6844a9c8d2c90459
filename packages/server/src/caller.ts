// Who is calling a subgraph, and the checks every resolver makes, done here in the
// subgraph whatever the gateway already did: only a verified access token counts.
import type { IncomingMessage } from 'node:http';
import { DomainError, ErrorCode } from '@flowex/schema';
import { type Identity, InvalidTokenError, type Role, type TokenVerifier } from './identity.ts';

export interface Caller {
  /** The verified access token's identity; null without one. */
  identity: Identity | null;
  /** Why the presented access token was refused (then `identity` is null). */
  authError: string | null;
}

export async function identify(verifier: TokenVerifier, req: IncomingMessage): Promise<Caller> {
  try {
    return {
      identity: await verifier.fromAuthorization(req.headers.authorization),
      authError: null,
    };
  } catch (error) {
    if (error instanceof InvalidTokenError) return { identity: null, authError: error.message };
    throw error;
  }
}

const LOOPBACK_OR_PRIVATE =
  /^(127\.|::1$|::ffff:127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|fc|fd)/i;

/**
 * The client address. X-Forwarded-For is believed only from a loopback/private peer (the
 * gateway), and then only its last entry: the one that proxy appended itself.
 */
export function clientIp(req: IncomingMessage): string | null {
  const peer = req.socket.remoteAddress ?? null;
  const forwarded = req.headers['x-forwarded-for'];
  if (peer && LOOPBACK_OR_PRIVATE.test(peer) && typeof forwarded === 'string') {
    const last = forwarded.split(',').pop()?.trim();
    if (last) return last;
  }
  return peer;
}

export function requireIdentity(caller: Caller): Identity {
  if (caller.authError) {
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Invalid or expired access token.');
  }
  if (!caller.identity) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in first.');
  return caller.identity;
}

export function requireRole(caller: Caller, role: Role): Identity {
  const identity = requireIdentity(caller);
  if (!identity.roles.includes(role)) {
    throw new DomainError(ErrorCode.FORBIDDEN, `This needs the ${role} role.`);
  }
  return identity;
}

/** The caller's identity when there is a valid token; null without one; throws for a bad one. */
export function optionalIdentity(caller: Caller): Identity | null {
  if (caller.authError) return requireIdentity(caller);
  return caller.identity;
}
