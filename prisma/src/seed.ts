// Reference data every install needs, plus sandbox accounts outside production.
// Idempotent: rows are only created when missing, so seeding twice changes nothing and
// never undoes an operator's later changes (a halted market stays halted).
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Db } from './client.ts';
import { Prisma } from './generated/prisma/client.ts';

const assets = [
  { code: 'BTC', name: 'Bitcoin', decimals: 8, withdrawalFee: '0.0002', minWithdrawal: '0.001' },
  { code: 'ETH', name: 'Ethereum', decimals: 18, withdrawalFee: '0.002', minWithdrawal: '0.01' },
  { code: 'SOL', name: 'Solana', decimals: 9, withdrawalFee: '0.01', minWithdrawal: '0.1' },
  { code: 'USDT', name: 'Tether USD', decimals: 6, withdrawalFee: '1', minWithdrawal: '10' },
];

const markets = [
  {
    symbol: 'BTC-USDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.00001',
    minQuantity: '0.00001',
    minNotional: '5',
  },
  {
    symbol: 'ETH-USDT',
    base: 'ETH',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.0001',
    minQuantity: '0.0001',
    minNotional: '5',
  },
  {
    symbol: 'SOL-USDT',
    base: 'SOL',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.01',
    minQuantity: '0.01',
    minNotional: '5',
  },
  {
    symbol: 'ETH-BTC',
    base: 'ETH',
    quote: 'BTC',
    tickSize: '0.00001',
    lotSize: '0.0001',
    minQuantity: '0.0001',
    minNotional: '0.0001',
  },
];

/** Multipliers of a market's base rate by 30-day quote volume (USDT-equivalent). */
const feeTiers = [
  { tier: 0, minQuoteVolume30d: '0', maker: '1', taker: '1' },
  { tier: 1, minQuoteVolume30d: '1000000', maker: '0.9', taker: '1' },
  { tier: 2, minQuoteVolume30d: '5000000', maker: '0.8', taker: '0.9' },
  { tier: 3, minQuoteVolume30d: '20000000', maker: '0.6', taker: '0.8' },
  { tier: 4, minQuoteVolume30d: '100000000', maker: '0.4', taker: '0.6' },
];

export const FEE_ACCOUNT_EMAIL = 'fees@flowex.internal';

export const SANDBOX_ACCOUNTS = {
  demo: { email: 'demo@flowex.com', password: 'demo123', roles: ['TRADER'] as const },
  admin: { email: 'admin@flowex.com', password: 'admin123', roles: ['ADMIN'] as const },
};

const demoFunding: Record<string, string> = {
  BTC: '10',
  ETH: '100',
  SOL: '1000',
  USDT: '1000000',
};

export interface SeedOptions {
  sandbox: boolean;
  /** argon2id parameters; the auth service's defaults unless given. */
  argon2?: { memoryCost: number; timeCost: number; parallelism: number };
}

export async function seedDatabase(db: Db, options: SeedOptions): Promise<void> {
  await db.asset.createMany({ data: assets, skipDuplicates: true });
  await db.market.createMany({
    data: markets.map((m) => ({
      symbol: m.symbol,
      baseAssetCode: m.base,
      quoteAssetCode: m.quote,
      tickSize: m.tickSize,
      lotSize: m.lotSize,
      minQuantity: m.minQuantity,
      minNotional: m.minNotional,
      makerFeeRate: '0.001',
      takerFeeRate: '0.001',
    })),
    skipDuplicates: true,
  });
  await db.feeTier.createMany({
    data: feeTiers.map((t) => ({
      tier: t.tier,
      minQuoteVolume30d: t.minQuoteVolume30d,
      makerRateMultiplier: t.maker,
      takerRateMultiplier: t.taker,
    })),
    skipDuplicates: true,
  });
  await db.user.createMany({
    data: [{ email: FEE_ACCOUNT_EMAIL, roles: [], isSystem: true }],
    skipDuplicates: true,
  });
  if (!options.sandbox) return;

  const hashOptions = { type: argon2.argon2id as 2, ...(options.argon2 ?? defaultArgon2) };
  for (const account of Object.values(SANDBOX_ACCOUNTS)) {
    if (await db.user.findUnique({ where: { email: account.email }, select: { id: true } }))
      continue;
    const passwordHash = await argon2.hash(account.password, hashOptions);
    await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: account.email, passwordHash, roles: [...account.roles] },
      });
      if (account === SANDBOX_ACCOUNTS.demo)
        await recordCompletedDeposits(tx, user.id, demoFunding, 'sandbox funding');
    });
  }
}

const defaultArgon2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0] | Db;

/** Completed deposits, each a balanced journal: the outside world pays the user. */
export async function recordCompletedDeposits(
  tx: Tx,
  userId: string,
  amounts: Record<string, string>,
  note = 'deposit',
) {
  for (const [assetCode, amount] of Object.entries(amounts)) {
    const journalId = randomUUID();
    const deposit = await tx.transaction.create({
      data: {
        userId,
        assetCode,
        type: 'DEPOSIT',
        status: 'COMPLETED',
        amount,
        reference: note,
      },
    });
    const reference = `tx:${deposit.id}`;
    await tx.ledgerEntry.createMany({
      data: [
        { journalId, userId, assetCode, bucket: 'AVAILABLE', type: 'DEPOSIT', amount, reference },
        {
          journalId,
          userId: null,
          assetCode,
          bucket: 'EXTERNAL',
          type: 'DEPOSIT',
          amount: new Prisma.Decimal(amount).negated(),
          reference,
        },
      ],
    });
    await tx.balance.create({ data: { userId, assetCode, available: amount } });
  }
}
