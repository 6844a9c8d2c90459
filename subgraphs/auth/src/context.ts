import type { Db } from '@flowex/db';
import type { Identity } from '@flowex/server';
import type { AuthServices } from './domain/services.ts';

export interface Context {
  db: Db;
  /** The verified access token's identity; null without one. */
  identity: Identity | null;
  /** Why the presented access token was refused (then `identity` is null). */
  authError: string | null;
  ip: string | null;
  userAgent: string | null;
  services: AuthServices;
}
