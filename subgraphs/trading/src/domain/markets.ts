// Listing and halting markets: ADMIN operations, each leaving an audit-log row.
import { type Db, Prisma } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import type { Identity } from '@flowex/server';
import { recordAudit } from '../data/audit.ts';
import { findAsset, findMarket, insertMarket, updateMarketStatus } from '../data/reference.ts';
import { forgetMarket } from './market-cache.ts';
import { normaliseCode } from './reference.ts';

export interface CreateMarketInput {
  baseAsset: string;
  quoteAsset: string;
  tickSize: string;
  lotSize: string;
  minQuantity: string;
  minNotional: string;
  makerFeeRate: string;
  takerFeeRate: string;
}

const MAX_FEE_RATE = new Prisma.Decimal('0.1');

function badInput(field: string, message: string): never {
  throw new DomainError(ErrorCode.BAD_USER_INPUT, message, { field });
}

/** Decimal places of a canonical decimal string. */
export const decimalPlaces = (value: Prisma.Decimal) => value.decimalPlaces();

export async function createMarket(
  db: Db,
  admin: Identity,
  input: CreateMarketInput,
  ip: string | null,
) {
  const baseCode = normaliseCode(input.baseAsset);
  const quoteCode = normaliseCode(input.quoteAsset);
  if (baseCode === quoteCode) badInput('quoteAsset', 'Base and quote assets must differ.');
  const [base, quote] = await Promise.all([findAsset(db, baseCode), findAsset(db, quoteCode)]);
  if (!base) badInput('baseAsset', `Unknown asset ${baseCode}.`);
  if (!quote) badInput('quoteAsset', `Unknown asset ${quoteCode}.`);

  const tickSize = new Prisma.Decimal(input.tickSize);
  const lotSize = new Prisma.Decimal(input.lotSize);
  const minQuantity = new Prisma.Decimal(input.minQuantity);
  const minNotional = new Prisma.Decimal(input.minNotional);
  const makerFeeRate = new Prisma.Decimal(input.makerFeeRate);
  const takerFeeRate = new Prisma.Decimal(input.takerFeeRate);
  if (!tickSize.gt(0)) badInput('tickSize', 'tickSize must be positive.');
  if (tickSize.decimalPlaces() > quote.decimals) {
    badInput(
      'tickSize',
      `tickSize has more decimals than ${quote.code} allows (${quote.decimals}).`,
    );
  }
  if (!lotSize.gt(0)) badInput('lotSize', 'lotSize must be positive.');
  if (lotSize.decimalPlaces() > base.decimals) {
    badInput('lotSize', `lotSize has more decimals than ${base.code} allows (${base.decimals}).`);
  }
  if (!minQuantity.gt(0) || !minQuantity.mod(lotSize).isZero()) {
    badInput('minQuantity', 'minQuantity must be a positive multiple of lotSize.');
  }
  if (minNotional.isNegative()) badInput('minNotional', 'minNotional cannot be negative.');
  for (const [field, rate] of [
    ['makerFeeRate', makerFeeRate],
    ['takerFeeRate', takerFeeRate],
  ] as const) {
    if (rate.isNegative() || rate.gt(MAX_FEE_RATE))
      badInput(field, `${field} must be between 0 and 0.1.`);
  }

  const symbol = `${baseCode}-${quoteCode}`;
  if (await findMarket(db, symbol)) badInput('baseAsset', `Market ${symbol} already exists.`);
  return db.$transaction(async (tx) => {
    const market = await insertMarket(tx, {
      symbol,
      baseAssetCode: baseCode,
      quoteAssetCode: quoteCode,
      tickSize,
      lotSize,
      minQuantity,
      minNotional,
      makerFeeRate,
      takerFeeRate,
    });
    await recordAudit(tx, {
      action: 'market.created',
      actorId: admin.userId,
      ip,
      details: { symbol },
    });
    return market;
  });
}

export async function setMarketStatus(
  db: Db,
  admin: Identity,
  symbolInput: string,
  status: 'TRADING' | 'HALTED',
  ip: string | null,
) {
  const symbol = normaliseCode(symbolInput);
  const market = await findMarket(db, symbol);
  if (!market) throw new DomainError(ErrorCode.NOT_FOUND, `Unknown market ${symbol}.`);
  if (market.status === status) return market;
  forgetMarket(db, symbol);
  return db.$transaction(async (tx) => {
    const updated = await updateMarketStatus(tx, symbol, status);
    await recordAudit(tx, {
      action: status === 'HALTED' ? 'market.halted' : 'market.resumed',
      actorId: admin.userId,
      ip,
      details: { symbol, by: 'admin' },
    });
    return updated;
  });
}
