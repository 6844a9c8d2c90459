// argon2id hashing with the configured cost, and the strength rule for new passwords.
import type { Config } from '@flowex/config';
import { DomainError, ErrorCode } from '@flowex/schema';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import argon2 from 'argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const argon2Params = (config: Config): Argon2Params => ({
  memoryCost: config.ARGON2_MEMORY_KIB,
  timeCost: config.ARGON2_TIME_COST,
  parallelism: config.ARGON2_PARALLELISM,
});

/** Longer inputs are refused before hashing: argon2 on megabytes is a free DoS. */
export const MAX_PASSWORD_LENGTH = 256;
export const MIN_PASSWORD_LENGTH = 8;
export const MIN_SCORE = 3;

export class PasswordHasher {
  private dummyHash: Promise<string>;

  constructor(readonly params: Argon2Params) {
    // A hash with the same cost to verify against when the email is unknown, so that an
    // unknown email and a wrong password take the same time.
    this.dummyHash = this.hash(`dummy-${Math.random()}-${Date.now()}`);
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    if (password.length > MAX_PASSWORD_LENGTH) return false;
    if (!hash) {
      await argon2.verify(await this.dummyHash, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }

  /** A stored hash made with weaker parameters than those in force. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, { ...this.params });
  }
}

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
});

/** Throws WEAK_PASSWORD with the reason unless the password scores at least MIN_SCORE. */
export function assertStrongPassword(password: string, userInputs: string[] = []): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw weak(`Password must be at least ${MIN_PASSWORD_LENGTH} characters long.`, 0, []);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw weak(`Password must be at most ${MAX_PASSWORD_LENGTH} characters long.`, 0, []);
  }
  const result = zxcvbn.check(password, userInputs);
  if (result.score >= MIN_SCORE) return;
  const reason = result.feedback.warning || 'This password is too easy to guess.';
  throw weak(reason, result.score, result.feedback.suggestions);
}

function weak(reason: string, score: number, suggestions: string[]) {
  return new DomainError(ErrorCode.WEAK_PASSWORD, `Weak password: ${reason}`, {
    reason,
    score,
    suggestions,
  });
}
