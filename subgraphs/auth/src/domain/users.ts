import type { Db } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import { findUser } from '../data/users.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user by id; anything that is not a well-formed id is simply not found. */
export const userById = (db: Db, id: string) =>
  UUID.test(id) ? findUser(db, id) : Promise.resolve(null);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lower-cased: one account per mailbox whatever the spelling. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export function validEmail(email: string): string {
  const normalised = normaliseEmail(email);
  if (normalised.length > 254 || !EMAIL.test(normalised)) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Not a valid email address.', {
      field: 'email',
    });
  }
  return normalised;
}

const MAX_NAME = 100;

/** Undefined stays undefined (unchanged); blank becomes null. */
export function cleanName(value: string | null | undefined, field: string) {
  if (value === undefined) return undefined;
  const trimmed = value?.trim() ?? '';
  if (trimmed.length > MAX_NAME) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} is longer than ${MAX_NAME}.`, {
      field,
    });
  }
  return trimmed === '' ? null : trimmed;
}
