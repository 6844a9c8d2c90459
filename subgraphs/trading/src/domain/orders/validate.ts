// The rules an order must pass before it is stored, held or shown to the engine. Pure:
// the market, the reference prices and the input in, a normalised order (or a GraphQL
// error naming the field) out. Nothing is written when this throws.
import { Prisma } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';

type Decimal = Prisma.Decimal;
const D = (v: string | number | Decimal) => new Prisma.Decimal(v);

export type Side = 'BUY' | 'SELL';
export type OrderType =
  | 'LIMIT'
  | 'MARKET'
  | 'STOP_LOSS'
  | 'STOP_LOSS_LIMIT'
  | 'TAKE_PROFIT'
  | 'TAKE_PROFIT_LIMIT';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type SelfTradePrevention = 'NONE' | 'EXPIRE_TAKER' | 'EXPIRE_MAKER' | 'EXPIRE_BOTH';

export interface PlaceOrderInput {
  market: string;
  side: Side;
  type: OrderType;
  quantity?: string | null;
  quoteQuantity?: string | null;
  price?: string | null;
  stopPrice?: string | null;
  timeInForce?: TimeInForce | null;
  postOnly?: boolean | null;
  displayQuantity?: string | null;
  clientOrderId?: string | null;
  selfTradePrevention?: SelfTradePrevention | null;
}

export interface MarketRules {
  symbol: string;
  status: 'TRADING' | 'HALTED';
  tickSize: Decimal;
  lotSize: Decimal;
  minQuantity: Decimal;
  minNotional: Decimal;
  priceBandPercent: Decimal;
  marketProtectionBps: number;
  baseAssetCode: string;
  quoteAssetCode: string;
  quoteDecimals: number;
}

export interface ValidatedOrder {
  market: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  postOnly: boolean;
  selfTradePrevention: SelfTradePrevention;
  clientOrderId: string | null;
  price: Decimal | null;
  stopPrice: Decimal | null;
  quantity: Decimal | null;
  quoteQuantity: Decimal | null;
  displayQuantity: Decimal | null;
}

const LIMIT_PRICED: ReadonlySet<OrderType> = new Set([
  'LIMIT',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT_LIMIT',
]);
const STOPS: ReadonlySet<OrderType> = new Set([
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
]);
const CLIENT_ORDER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function bad(field: string, message: string): never {
  throw new DomainError(ErrorCode.BAD_USER_INPUT, message, { field });
}

function positive(field: string, value: string): Decimal {
  const d = D(value);
  if (!d.gt(0)) bad(field, `${field} must be greater than zero.`);
  return d;
}

function multipleOf(field: string, value: Decimal, step: Decimal, stepName: string) {
  if (!value.mod(step).isZero())
    bad(field, `${field} must be a multiple of the ${stepName} ${step.toFixed()}.`);
}

/** Shape, granularity and minimums. The market must exist; its status is checked here. */
export function validateOrderInput(input: PlaceOrderInput, market: MarketRules): ValidatedOrder {
  if (market.status === 'HALTED') {
    throw new DomainError(ErrorCode.MARKET_HALTED, `Market ${market.symbol} is halted.`);
  }
  const { side, type } = input;
  const isMarket = type === 'MARKET' || type === 'STOP_LOSS' || type === 'TAKE_PROFIT';
  const timeInForce: TimeInForce = isMarket ? 'IOC' : (input.timeInForce ?? 'GTC');
  if (isMarket && input.timeInForce && input.timeInForce !== 'GTC' && input.timeInForce !== 'IOC') {
    bad('timeInForce', `${type} orders are immediate-or-cancel by nature.`);
  }

  // Which fields each type takes.
  const needsPrice = LIMIT_PRICED.has(type);
  if (needsPrice && input.price == null) bad('price', `price is required for ${type}.`);
  if (!needsPrice && input.price != null) bad('price', `price is not allowed for ${type}.`);
  const needsStop = STOPS.has(type);
  if (needsStop && input.stopPrice == null) bad('stopPrice', `stopPrice is required for ${type}.`);
  if (!needsStop && input.stopPrice != null)
    bad('stopPrice', `stopPrice is not allowed for ${type}.`);
  if (input.quoteQuantity != null) {
    if (type !== 'MARKET' || side !== 'BUY')
      bad('quoteQuantity', 'quoteQuantity is only for MARKET BUY orders.');
    if (input.quantity != null) bad('quantity', 'Give either quantity or quoteQuantity, not both.');
  } else if (input.quantity == null) {
    bad(
      'quantity',
      `quantity is required for ${type}${type === 'MARKET' && side === 'BUY' ? ' (or quoteQuantity)' : ''}.`,
    );
  }
  const postOnly = input.postOnly ?? false;
  if (postOnly && (!needsPrice || timeInForce !== 'GTC')) {
    bad('postOnly', 'postOnly is only for GTC limit orders.');
  }
  if (input.displayQuantity != null && (!needsPrice || timeInForce !== 'GTC')) {
    bad('displayQuantity', 'displayQuantity (iceberg) is only for GTC limit orders.');
  }
  if (input.clientOrderId != null && !CLIENT_ORDER_ID.test(input.clientOrderId)) {
    bad('clientOrderId', 'clientOrderId must be 1-64 characters of letters, digits, . _ : -');
  }

  // Granularity and minimums.
  const price = input.price == null ? null : positive('price', input.price);
  if (price) multipleOf('price', price, market.tickSize, 'tick size');
  const stopPrice = input.stopPrice == null ? null : positive('stopPrice', input.stopPrice);
  if (stopPrice) multipleOf('stopPrice', stopPrice, market.tickSize, 'tick size');
  const quantity = input.quantity == null ? null : positive('quantity', input.quantity);
  if (quantity) {
    multipleOf('quantity', quantity, market.lotSize, 'lot size');
    if (quantity.lt(market.minQuantity)) {
      bad('quantity', `quantity must be at least ${market.minQuantity.toFixed()}.`);
    }
  }
  const quoteQuantity =
    input.quoteQuantity == null ? null : positive('quoteQuantity', input.quoteQuantity);
  if (quoteQuantity) {
    if (quoteQuantity.decimalPlaces() > market.quoteDecimals) {
      bad('quoteQuantity', `quoteQuantity has more than ${market.quoteDecimals} decimals.`);
    }
    if (quoteQuantity.lt(market.minNotional)) {
      bad('quoteQuantity', `quoteQuantity must be at least ${market.minNotional.toFixed()}.`);
    }
  }
  const notionalPrice = price ?? stopPrice;
  if (quantity && notionalPrice && quantity.mul(notionalPrice).lt(market.minNotional)) {
    bad(
      'quantity',
      `price × quantity must be at least ${market.minNotional.toFixed()} ${market.quoteAssetCode}.`,
    );
  }
  const displayQuantity =
    input.displayQuantity == null ? null : positive('displayQuantity', input.displayQuantity);
  if (displayQuantity && quantity) {
    multipleOf('displayQuantity', displayQuantity, market.lotSize, 'lot size');
    if (!displayQuantity.lt(quantity))
      bad('displayQuantity', 'displayQuantity must be less than quantity.');
  }

  return {
    market: market.symbol,
    side,
    type,
    timeInForce,
    postOnly,
    selfTradePrevention: input.selfTradePrevention ?? 'EXPIRE_TAKER',
    clientOrderId: input.clientOrderId ?? null,
    price,
    stopPrice,
    quantity,
    quoteQuantity,
    displayQuantity,
  };
}

/**
 * Limit and stop prices must lie within the market's band around the reference price
 * (the last trade; without one there is nothing to compare with and any price goes).
 */
export function checkPriceBand(
  order: ValidatedOrder,
  market: MarketRules,
  referencePrice: Decimal | null,
) {
  if (!referencePrice?.gt(0)) return;
  const band = market.priceBandPercent.div(100);
  const low = referencePrice.mul(D(1).minus(band));
  const high = referencePrice.mul(D(1).plus(band));
  for (const [field, value] of [
    ['price', order.price],
    ['stopPrice', order.stopPrice],
  ] as const) {
    if (value && (value.lt(low) || value.gt(high))) {
      throw new DomainError(
        ErrorCode.PRICE_OUT_OF_BAND,
        `${field} ${value.toFixed()} is more than ${market.priceBandPercent.toFixed()}% from the reference price ${referencePrice.toFixed()}.`,
        { field },
      );
    }
  }
}

/** Round `value` up to the next multiple of `step`. */
export function ceilToStep(value: Decimal, step: Decimal): Decimal {
  const rest = value.mod(step);
  return rest.isZero() ? value : value.minus(rest).plus(step);
}

/**
 * What the order must hold, and in which asset: a BUY holds quote (price × quantity, or
 * the quote amount, or — for a market order by quantity — quantity at the worst price its
 * protection band allows), a SELL holds the base quantity. Fees are charged in the asset
 * received, so they never add to a hold.
 */
export function requiredHold(
  order: ValidatedOrder,
  market: MarketRules,
  prices: { bestAsk: Decimal | null; lastPrice: Decimal | null },
): { asset: string; amount: Decimal } {
  if (order.side === 'SELL') return { asset: market.baseAssetCode, amount: order.quantity! };
  const quote = market.quoteAssetCode;
  if (order.quoteQuantity) return { asset: quote, amount: order.quoteQuantity };
  if (order.price) return { asset: quote, amount: order.price.mul(order.quantity!) };
  // Market-like BUY by quantity: the engine sweeps at most marketProtectionBps above the
  // best ask at arrival (or above the stop price for a triggered stop).
  const anchor = order.stopPrice ?? prices.bestAsk ?? prices.lastPrice;
  if (!anchor) return { asset: quote, amount: D(0) };
  const worst = ceilToStep(
    anchor.mul(D(1).plus(D(market.marketProtectionBps).div(10_000))),
    market.tickSize,
  );
  return { asset: quote, amount: worst.mul(order.quantity!) };
}
