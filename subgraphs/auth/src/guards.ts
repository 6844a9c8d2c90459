// Authentication and role checks, done here in the subgraph whatever the gateway did.
import { DomainError, ErrorCode } from '@flowex/schema';
import type { Identity, Role } from '@flowex/server';

interface Caller {
  identity: Identity | null;
  authError: string | null;
}

export function requireIdentity(ctx: Caller): Identity {
  if (ctx.authError) {
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Invalid or expired access token.');
  }
  if (!ctx.identity) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in first.');
  return ctx.identity;
}

export function requireRole(ctx: Caller, role: Role): Identity {
  const identity = requireIdentity(ctx);
  if (!identity.roles.includes(role)) {
    throw new DomainError(ErrorCode.FORBIDDEN, `This needs the ${role} role.`);
  }
  return identity;
}

/** The caller's identity when there is a valid token; null without one; throws for a bad one. */
export function optionalIdentity(ctx: Caller): Identity | null {
  if (ctx.authError) return requireIdentity(ctx);
  return ctx.identity;
}
