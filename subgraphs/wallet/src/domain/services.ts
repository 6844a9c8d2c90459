import { randomBytes } from 'node:crypto';
import type { Bus } from '@flowex/bus';
import type { Config } from '@flowex/config';
import { type Db, FEE_ACCOUNT_EMAIL } from '@flowex/db';
import { createTwoFactorChecker, type TwoFactorChecker } from '@flowex/security';
import { devSecret } from '@flowex/server';
import type { Redis } from 'ioredis';
import { findUserIdByEmail } from '../data/assets.ts';
import type { BalancePublisher } from '../publisher.ts';

export interface WalletServices {
  db: Db;
  config: Config;
  sandbox: boolean;
  addressSecret: string;
  twoFactor: TwoFactorChecker;
  publisher: BalancePublisher;
  /** The platform's fee account (seeded, `fees@flowex.internal`). */
  feeAccountId(): Promise<string>;
}

export interface WalletOptions {
  /** The platform's bus (balance events); default: `busFor(config)`. */
  bus?: Bus;
  publisher?: BalancePublisher;
  rateLimitPrefix?: string;
}

export function createWalletServices(
  config: Config,
  db: Db,
  publisher: BalancePublisher,
  redis: Redis | undefined,
  options: WalletOptions = {},
): WalletServices {
  let feeAccount: string | undefined;
  return {
    db,
    config,
    sandbox: config.sandbox,
    addressSecret: devSecret({
      configured: config.DEPOSIT_ADDRESS_SECRET,
      production: config.production,
      dataDir: config.FLOWEX_DATA_DIR,
      name: 'deposit-address.secret',
      variable: 'DEPOSIT_ADDRESS_SECRET',
      generate: () => randomBytes(32).toString('base64url'),
    }),
    twoFactor: createTwoFactorChecker(config, db, {
      ...(redis ? { redis } : {}),
      prefix: options.rateLimitPrefix ?? `${config.REDIS_NAMESPACE}:rl`,
    }),
    publisher,
    async feeAccountId() {
      feeAccount ??= (await findUserIdByEmail(db, FEE_ACCOUNT_EMAIL)) ?? undefined;
      if (!feeAccount)
        throw new Error(`fee account ${FEE_ACCOUNT_EMAIL} missing: seed the database`);
      return feeAccount;
    },
  };
}
