import type { Db } from '@flowex/db';
import { findUser } from '../data/users.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user by id; anything that is not a well-formed id is simply not found. */
export const userById = (db: Db, id: string) =>
  UUID.test(id) ? findUser(db, id) : Promise.resolve(null);
