// Amounts on input: positive, no more decimals than the asset has, within the column.
import { type Asset, Prisma } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';

const MAX = new Prisma.Decimal('1e17');

export function parseAmount(asset: Asset, text: string): Prisma.Decimal {
  let amount: Prisma.Decimal;
  try {
    amount = new Prisma.Decimal(text);
  } catch {
    throw bad(`Not a decimal: ${text}`);
  }
  if (!amount.isFinite() || amount.lte(0)) throw bad('The amount must be positive.');
  if (amount.decimalPlaces() > asset.decimals) {
    throw bad(`${asset.code} amounts have at most ${asset.decimals} decimals.`);
  }
  if (amount.gte(MAX)) throw bad('The amount is too large.');
  return amount;
}

const bad = (message: string) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, { field: 'amount' });
