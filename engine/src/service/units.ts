// The one place money changes representation. The core works in integer ticks (price) and
// lots (quantity); PostgreSQL in NUMERIC(36,18); the wire in decimal strings. In between,
// amounts are bigint "atoms" of 10^-18 — exact, no floats, no decimal.js precision limits.
import type { Db } from '@flowex/db';

export const SCALE = 18;
export const ONE = 10n ** 18n;

/** Decimal string (or Prisma.Decimal / decimal.js value) to atoms. Throws beyond 18 decimals. */
export function toAtoms(value: string | number | bigint | { toFixed(): string }): bigint {
  if (typeof value === 'bigint') return value * ONE;
  if (typeof value !== 'string')
    return parseAtoms(typeof value === 'object' ? value.toFixed() : String(value));
  // Commands repeat the same prices and quantities all the time (see recentDecimals).
  let atoms = recentAtoms.get(value);
  if (atoms === undefined) {
    atoms = parseAtoms(value);
    if (recentAtoms.size >= 16_384) recentAtoms.clear();
    recentAtoms.set(value, atoms);
  }
  return atoms;
}

const recentAtoms = new Map<string, bigint>();

function parseAtoms(text: string): bigint {
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  if (frac.length > SCALE && /[1-9]/.test(frac.slice(SCALE))) {
    throw new RangeError(`more than ${SCALE} decimals: ${text}`);
  }
  const atoms =
    BigInt(m[2] || '0') * ONE + BigInt((frac.slice(0, SCALE) || '0').padEnd(SCALE, '0'));
  return m[1] === '-' ? -atoms : atoms;
}

/**
 * Recent conversions: prices, lot quantities, fee rates and their products repeat all the
 * time, and a lookup costs a quarter of a conversion (and allocates nothing).
 */
const recentDecimals = new Map<bigint, string>();

/** Atoms to a plain decimal string without trailing zeros ("1.5", "0", "-0.00000001"). */
export function fromAtoms(atoms: bigint): string {
  let text = recentDecimals.get(atoms);
  if (text === undefined) {
    if (recentDecimals.size >= 16_384) recentDecimals.clear();
    text = decimalOf(atoms);
    recentDecimals.set(atoms, text);
  }
  return text;
}

function decimalOf(atoms: bigint): string {
  // One bigint → string conversion and string slicing: two bigint divisions per call made
  // this the hottest function of settlement and publication.
  const neg = atoms < 0n;
  const digits = (neg ? -atoms : atoms).toString();
  const cut = digits.length - SCALE;
  const int = cut > 0 ? digits.slice(0, cut) : '0';
  let frac = cut > 0 ? digits.slice(cut) : digits.padStart(SCALE, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return `${neg ? '-' : ''}${int}${end > 0 ? `.${frac}` : ''}`;
}

export function minAtoms(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Round atoms down (toward zero) to `decimals` fractional digits. */
export function truncateTo(atoms: bigint, decimals: number): bigint {
  if (decimals >= SCALE) return atoms;
  const unit = 10n ** BigInt(SCALE - decimals);
  return atoms - (atoms % unit);
}

export interface MarketInfo {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  baseDecimals: number;
  quoteDecimals: number;
  status: 'TRADING' | 'HALTED';
  marketProtectionBps: number;
  /** Base fee rates (atoms); the user's tier multiplies them. */
  makerFeeRate: bigint;
  takerFeeRate: bigint;
  minQuantity: bigint;
  minNotional: bigint;
  units: MarketUnits;
}

/** Tick/lot conversion for one market. */
export class MarketUnits {
  /** Atoms of one tick·lot (price tick × quantity lot): the quote unit of the core. */
  readonly tickLot: bigint;

  constructor(
    readonly tick: bigint,
    readonly lot: bigint,
  ) {
    if (tick <= 0n || lot <= 0n) throw new RangeError('tick and lot sizes must be positive');
    const product = tick * lot;
    if (product % ONE !== 0n) {
      throw new RangeError('tickSize × lotSize needs more than 18 decimals');
    }
    this.tickLot = product / ONE;
  }

  /** Exact ticks of a price; throws if it is not a positive multiple of the tick size. */
  ticks(priceAtoms: bigint): number {
    return exactUnits(priceAtoms, this.tick, 'price', 'tick size');
  }

  lots(quantityAtoms: bigint): number {
    return exactUnits(quantityAtoms, this.lot, 'quantity', 'lot size');
  }

  price(ticks: number): bigint {
    return BigInt(ticks) * this.tick;
  }

  quantity(lots: number): bigint {
    return BigInt(lots) * this.lot;
  }

  /** Quote amount of `lots` at `ticks`, exact. */
  quote(ticks: number, lots: number): bigint {
    return BigInt(ticks) * BigInt(lots) * this.tickLot;
  }

  /** A quote budget (atoms) in the core's tick·lot units, rounded down. */
  quoteBudget(quoteAtoms: bigint): bigint {
    return quoteAtoms / this.tickLot;
  }
}

function exactUnits(atoms: bigint, unit: bigint, what: string, unitName: string): number {
  if (atoms <= 0n || atoms % unit !== 0n) {
    throw new UnitsError(
      `${what} ${fromAtoms(atoms)} is not a positive multiple of the ${unitName} ${fromAtoms(unit)}`,
    );
  }
  const n = atoms / unit;
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new UnitsError(`${what} too large`);
  return Number(n);
}

export class UnitsError extends RangeError {
  override name = 'UnitsError';
}

/** Fee of `amount` at `rate`, rounded down to the asset's decimals (never more than due). */
export function feeFor(amount: bigint, rate: bigint, decimals: number): bigint {
  return truncateTo((amount * rate) / ONE, decimals);
}

export async function loadMarket(db: Db, symbol: string): Promise<MarketInfo> {
  const info = await findMarketInfo(db, symbol);
  if (!info) throw new Error(`unknown market ${symbol}`);
  return info;
}

/** The market's rules, or undefined when there is no such market. */
export async function findMarketInfo(db: Db, symbol: string): Promise<MarketInfo | undefined> {
  const m = await db.market.findUnique({
    where: { symbol },
    include: { baseAsset: true, quoteAsset: true },
  });
  if (!m) return undefined;
  return {
    symbol: m.symbol,
    baseAsset: m.baseAssetCode,
    quoteAsset: m.quoteAssetCode,
    baseDecimals: m.baseAsset.decimals,
    quoteDecimals: m.quoteAsset.decimals,
    status: m.status,
    marketProtectionBps: m.marketProtectionBps,
    makerFeeRate: toAtoms(m.makerFeeRate),
    takerFeeRate: toAtoms(m.takerFeeRate),
    minQuantity: toAtoms(m.minQuantity),
    minNotional: toAtoms(m.minNotional),
    units: new MarketUnits(toAtoms(m.tickSize), toAtoms(m.lotSize)),
  };
}
