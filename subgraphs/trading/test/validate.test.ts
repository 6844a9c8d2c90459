import { Prisma } from '@flowex/db';
import { describe, expect, it } from 'vitest';
import {
  checkPriceBand,
  type MarketRules,
  type PlaceOrderInput,
  requiredHold,
  validateOrderInput,
} from '../src/domain/orders/validate.ts';

const D = (v: string) => new Prisma.Decimal(v);
const btcUsdt: MarketRules = {
  symbol: 'BTC-USDT',
  status: 'TRADING',
  tickSize: D('0.01'),
  lotSize: D('0.00001'),
  minQuantity: D('0.00001'),
  minNotional: D('5'),
  priceBandPercent: D('20'),
  marketProtectionBps: 500,
  baseAssetCode: 'BTC',
  quoteAssetCode: 'USDT',
  quoteDecimals: 6,
};
const limitBuy: PlaceOrderInput = {
  market: 'BTC-USDT',
  side: 'BUY',
  type: 'LIMIT',
  price: '50000',
  quantity: '0.1',
};

function failure(fn: () => unknown): { code?: unknown; field?: unknown } {
  try {
    fn();
  } catch (error) {
    const ext = (error as { extensions?: Record<string, unknown> }).extensions ?? {};
    return { code: ext.code, field: ext.field };
  }
  return {};
}

describe('validateOrderInput', () => {
  it('normalises a plain limit order with the contract defaults', () => {
    const order = validateOrderInput(limitBuy, btcUsdt);
    expect(order).toMatchObject({
      timeInForce: 'GTC',
      postOnly: false,
      selfTradePrevention: 'EXPIRE_TAKER',
    });
    expect(order.price?.toFixed()).toBe('50000');
  });

  it('refuses orders on a halted market', () => {
    expect(failure(() => validateOrderInput(limitBuy, { ...btcUsdt, status: 'HALTED' })).code).toBe(
      'MARKET_HALTED',
    );
  });

  it.each([
    [{ price: null }, 'price'],
    [{ quantity: null }, 'quantity'],
    [{ stopPrice: '49000' }, 'stopPrice'],
    [{ quoteQuantity: '100' }, 'quoteQuantity'],
    [{ price: '50000.005' }, 'price'],
    [{ price: '-1' }, 'price'],
    [{ quantity: '0.000001' }, 'quantity'],
    [{ quantity: '0' }, 'quantity'],
    [{ quantity: '0.00001' }, 'quantity'], // 0.5 USDT < minNotional 5
    [{ timeInForce: 'IOC', postOnly: true }, 'postOnly'],
    [{ displayQuantity: '0.1' }, 'displayQuantity'],
    [{ displayQuantity: '0.000001' }, 'displayQuantity'],
    [{ timeInForce: 'FOK', displayQuantity: '0.01' }, 'displayQuantity'],
    [{ clientOrderId: 'has spaces' }, 'clientOrderId'],
  ] as const)('answers BAD_USER_INPUT naming the field for %j', (change, field) => {
    expect(
      failure(() => validateOrderInput({ ...limitBuy, ...change } as PlaceOrderInput, btcUsdt)),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field,
    });
  });

  it('takes MARKET BUY by quote amount, never for a SELL, never with a quantity too', () => {
    const byQuote = validateOrderInput(
      { market: 'BTC-USDT', side: 'BUY', type: 'MARKET', quoteQuantity: '100.5' },
      btcUsdt,
    );
    expect(byQuote.quoteQuantity?.toFixed()).toBe('100.5');
    expect(byQuote.timeInForce).toBe('IOC');
    const sell = {
      market: 'BTC-USDT',
      side: 'SELL',
      type: 'MARKET',
      quoteQuantity: '100',
    } as const;
    expect(failure(() => validateOrderInput(sell, btcUsdt)).field).toBe('quoteQuantity');
    const both = {
      market: 'BTC-USDT',
      side: 'BUY',
      type: 'MARKET',
      quoteQuantity: '100',
      quantity: '1',
    } as const;
    expect(failure(() => validateOrderInput(both, btcUsdt)).field).toBe('quantity');
    const tooPrecise = {
      market: 'BTC-USDT',
      side: 'BUY',
      type: 'MARKET',
      quoteQuantity: '100.0000001',
    } as const;
    expect(failure(() => validateOrderInput(tooPrecise, btcUsdt)).field).toBe('quoteQuantity');
  });

  it('requires stopPrice for stops and price only for the *_LIMIT ones', () => {
    const stop = { market: 'BTC-USDT', side: 'SELL', type: 'STOP_LOSS', quantity: '0.1' } as const;
    expect(failure(() => validateOrderInput(stop, btcUsdt)).field).toBe('stopPrice');
    expect(validateOrderInput({ ...stop, stopPrice: '45000' }, btcUsdt).stopPrice?.toFixed()).toBe(
      '45000',
    );
    expect(
      failure(() => validateOrderInput({ ...stop, stopPrice: '45000', price: '44900' }, btcUsdt))
        .field,
    ).toBe('price');
    const stopLimit = { ...stop, type: 'STOP_LOSS_LIMIT', stopPrice: '45000' } as const;
    expect(failure(() => validateOrderInput(stopLimit, btcUsdt)).field).toBe('price');
    expect(validateOrderInput({ ...stopLimit, price: '44900' }, btcUsdt).price?.toFixed()).toBe(
      '44900',
    );
  });
});

describe('checkPriceBand', () => {
  const order = (price: string) => validateOrderInput({ ...limitBuy, price }, btcUsdt);
  it('accepts prices within ±20 % of the last trade, refuses beyond', () => {
    expect(() => checkPriceBand(order('60000'), btcUsdt, D('50000'))).not.toThrow();
    expect(() => checkPriceBand(order('40000'), btcUsdt, D('50000'))).not.toThrow();
    expect(failure(() => checkPriceBand(order('60000.01'), btcUsdt, D('50000')))).toEqual({
      code: 'PRICE_OUT_OF_BAND',
      field: 'price',
    });
    expect(failure(() => checkPriceBand(order('39999.99'), btcUsdt, D('50000'))).code).toBe(
      'PRICE_OUT_OF_BAND',
    );
  });
  it('has nothing to compare with before the first trade', () => {
    const cheap = validateOrderInput({ ...limitBuy, price: '1', quantity: '10' }, btcUsdt);
    expect(() => checkPriceBand(cheap, btcUsdt, null)).not.toThrow();
  });
});

describe('requiredHold', () => {
  const prices = { bestAsk: D('50000'), lastPrice: D('49990') };
  it('holds price × quantity in quote for a limit BUY, exactly', () => {
    const hold = requiredHold(
      validateOrderInput({ ...limitBuy, price: '50000.01', quantity: '0.12345' }, btcUsdt),
      btcUsdt,
      prices,
    );
    expect(hold.asset).toBe('USDT');
    expect(hold.amount.toFixed()).toBe('6172.5012345');
  });
  it('holds the base quantity for a SELL', () => {
    const hold = requiredHold(
      validateOrderInput({ ...limitBuy, side: 'SELL' }, btcUsdt),
      btcUsdt,
      prices,
    );
    expect([hold.asset, hold.amount.toFixed()]).toEqual(['BTC', '0.1']);
  });
  it('holds the quote amount for a MARKET BUY by quote', () => {
    const order = validateOrderInput(
      { market: 'BTC-USDT', side: 'BUY', type: 'MARKET', quoteQuantity: '250' },
      btcUsdt,
    );
    expect(requiredHold(order, btcUsdt, prices).amount.toFixed()).toBe('250');
  });
  it('holds a MARKET BUY by quantity at the worst price its protection allows', () => {
    const order = validateOrderInput(
      { market: 'BTC-USDT', side: 'BUY', type: 'MARKET', quantity: '0.1' },
      btcUsdt,
    );
    // 50000 × 1.05 = 52500 per BTC
    expect(requiredHold(order, btcUsdt, prices).amount.toFixed()).toBe('5250');
    // 33333.33 × 1.05 = 34999.9965, rounded up to the tick: 35000.00
    expect(
      requiredHold(order, btcUsdt, { bestAsk: D('33333.33'), lastPrice: null }).amount.toFixed(),
    ).toBe('3500');
  });
});
