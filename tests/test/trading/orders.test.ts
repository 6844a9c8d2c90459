// Every order type and option through the gateway, one scenario each, with exact fills,
// statuses, fees and balances. All on BTC-USDT (fees 0.1 %, tick 0.01, lot 0.00001) around
// 100 USDT, one scenario after the other; each leaves the book empty (cleanup) and the
// holds released to the cent (assertHolds).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../src/platform.ts';
import { assertHolds, cleanup, codeOf, startTrading, trader } from './helpers.ts';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTrading();
}, 60_000);

afterEach(async () => {
  await cleanup();
  await assertHolds(platform.database.db);
});

afterAll(async () => {
  await platform?.stop();
});

const fill = (price: string, quantity: string, quote: string, fee: string, liquidity: string) => ({
  price,
  quantity,
  quoteQuantity: quote,
  fee,
  feeAsset: liquidity.startsWith('B') ? 'BTC' : 'USDT',
  liquidity: liquidity.slice(2),
});

describe('LIMIT', () => {
  it('GTC rests, fills maker/taker at the maker price with exact fees; cancel', async () => {
    const alice = await trader(platform);
    const bob = await trader(platform);
    const sell = await alice.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '1' });
    expect(sell).toMatchObject({ status: 'NEW', filledQuantity: '0', remainingQuantity: '1' });
    expect((await alice.balances()).BTC).toEqual(['9', '1']);

    const buy = await bob.order({ side: 'BUY', type: 'LIMIT', price: '101', quantity: '0.4' });
    expect(buy).toMatchObject({
      status: 'FILLED',
      filledQuantity: '0.4',
      filledQuoteQuantity: '40',
      averagePrice: '100',
      remainingQuantity: '0',
    });
    expect(buy.fills).toEqual([fill('100', '0.4', '40', '0.0004', 'B:TAKER')]);
    // The 0.4 USDT price improvement is released: nothing stays locked.
    expect(await bob.balances()).toMatchObject({ USDT: ['99960', '0'], BTC: ['10.3996', '0'] });
    const rested = await alice.get(sell.id);
    expect(rested).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.4' });
    expect(rested!.fills).toEqual([fill('100', '0.4', '40', '0.04', 'Q:MAKER')]);
    expect(await alice.balances()).toMatchObject({ USDT: ['100039.96', '0'], BTC: ['9', '0.6'] });
    // The rate used is recorded on each fill (tier 0: the base rate).
    const rates = await platform.database.db.fill.findMany({ where: { orderId: BigInt(buy.id) } });
    expect(rates.map((f) => f.feeRate.toFixed())).toEqual(['0.001']);

    // Someone else's order does not exist for bob.
    expect(codeOf(await bob.cancel(sell.id))).toBe('NOT_FOUND');
    expect(codeOf(await bob.cancel('999999'))).toBe('NOT_FOUND');
    const cancelled = await alice.cancel(sell.id);
    expect(cancelled.data!.cancelOrder).toMatchObject({
      status: 'CANCELED',
      filledQuantity: '0.4',
    });
    expect((await alice.balances()).BTC).toEqual(['9.6', '0']);
    expect(codeOf(await alice.cancel(sell.id))).toBe('ORDER_NOT_CANCELABLE');
    expect(codeOf(await bob.cancel(buy.id))).toBe('ORDER_NOT_CANCELABLE');
  });

  it('price-time priority across users, partial fills', async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => trader(platform)));
    const sa = await a!.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.3' });
    const sb = await b!.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.3' });
    const sc = await c!.order({ side: 'SELL', type: 'LIMIT', price: '99.5', quantity: '0.2' });
    const buy = await d!.order({ side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.6' });
    expect(buy).toMatchObject({
      status: 'FILLED',
      filledQuantity: '0.6',
      filledQuoteQuantity: '59.9',
      averagePrice: '99.833333333333333333',
    });
    expect(buy.fills).toEqual([
      fill('99.5', '0.2', '19.9', '0.0002', 'B:TAKER'),
      fill('100', '0.3', '30', '0.0003', 'B:TAKER'),
      fill('100', '0.1', '10', '0.0001', 'B:TAKER'),
    ]);
    expect(await d!.balances()).toMatchObject({ USDT: ['99940.1', '0'], BTC: ['10.5994', '0'] });
    expect((await a!.get(sa.id))!.status).toBe('FILLED');
    expect(await b!.get(sb.id)).toMatchObject({
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.1',
    });
    expect((await c!.get(sc.id))!.status).toBe('FILLED');
    expect(await c!.balances()).toMatchObject({ USDT: ['100019.8801', '0'], BTC: ['9.8', '0'] });
  });

  it('IOC fills what it can and expires the rest', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    await a.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.2' });
    const ioc = await b.order({
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'IOC',
      price: '100',
      quantity: '0.5',
    });
    expect(ioc).toMatchObject({ status: 'EXPIRED', filledQuantity: '0.2', rejectReason: 'IOC' });
    expect(await b.balances()).toMatchObject({ USDT: ['99980', '0'], BTC: ['10.1998', '0'] });
  });

  it('FOK that cannot fill completely has no side effects; one that can fills', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    const rest = await a.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.2' });
    const fok = { side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', price: '100' };
    const no = await b.order({ ...fok, quantity: '0.5' });
    expect(no).toMatchObject({ status: 'EXPIRED', filledQuantity: '0', fills: [] });
    expect(await b.balances()).toMatchObject({ USDT: ['100000', '0'], BTC: ['10', '0'] });
    expect(await a.get(rest.id)).toMatchObject({ status: 'NEW', remainingQuantity: '0.2' });
    const yes = await b.order({ ...fok, quantity: '0.2' });
    expect(yes).toMatchObject({ status: 'FILLED', filledQuantity: '0.2' });
  });

  it('postOnly is REJECTED (POST_ONLY_WOULD_TAKE) when it would take, else rests', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    await a.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.2' });
    const po = { side: 'BUY', type: 'LIMIT', postOnly: true, quantity: '0.1' };
    const rejected = await b.order({ ...po, price: '100' });
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectReason: 'POST_ONLY_WOULD_TAKE' });
    expect((await b.balances()).USDT).toEqual(['100000', '0']);
    const rests = await b.order({ ...po, price: '99.9' });
    expect(rests).toMatchObject({ status: 'NEW' });
    expect((await b.balances()).USDT).toEqual(['99990.01', '9.99']);
  });

  it('an iceberg shows its slice; a refreshed slice loses priority', async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => trader(platform)));
    const ice = await a!.order({
      side: 'SELL',
      type: 'LIMIT',
      price: '100',
      quantity: '1',
      displayQuantity: '0.2',
    });
    expect(ice).toMatchObject({ status: 'NEW', displayQuantity: '0.2' });
    const plain = await b!.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.3' });
    const buy = { side: 'BUY', type: 'LIMIT', price: '100' };
    // The first slice is first in line…
    const first = await c!.order({ ...buy, quantity: '0.2' });
    expect(first.fills).toHaveLength(1);
    expect(await a!.get(ice.id)).toMatchObject({ filledQuantity: '0.2' });
    // …its refresh goes behind b's order.
    await d!.order({ ...buy, quantity: '0.3' });
    expect(await b!.get(plain.id)).toMatchObject({ status: 'FILLED' });
    expect(await a!.get(ice.id)).toMatchObject({ filledQuantity: '0.2' });
    await d!.order({ ...buy, quantity: '0.1' });
    expect(await a!.get(ice.id)).toMatchObject({
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.3',
    });
  });
});

describe('self-trade prevention', () => {
  it('EXPIRE_TAKER (default), EXPIRE_MAKER, EXPIRE_BOTH, NONE', async () => {
    const a = await trader(platform);
    const sell = { side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.2' };
    const buy = { side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.2' };

    const s1 = await a.order(sell);
    expect(await a.order(buy)).toMatchObject({
      status: 'EXPIRED',
      rejectReason: 'STP_EXPIRE_TAKER',
      filledQuantity: '0',
    });
    expect((await a.get(s1.id))!.status).toBe('NEW');

    const b2 = await a.order({ ...buy, selfTradePrevention: 'EXPIRE_MAKER' });
    expect(b2).toMatchObject({ status: 'NEW', filledQuantity: '0' });
    expect(await a.get(s1.id)).toMatchObject({
      status: 'EXPIRED',
      rejectReason: 'STP_EXPIRE_MAKER',
    });
    expect((await a.cancel(b2.id)).data!.cancelOrder.status).toBe('CANCELED');

    const s3 = await a.order(sell);
    const b3 = await a.order({ ...buy, selfTradePrevention: 'EXPIRE_BOTH' });
    expect(b3).toMatchObject({ status: 'EXPIRED', rejectReason: 'STP_EXPIRE_BOTH' });
    expect((await a.get(s3.id))!.status).toBe('EXPIRED');
    expect(await a.balances()).toMatchObject({ USDT: ['100000', '0'], BTC: ['10', '0'] });

    await a.order(sell);
    const b4 = await a.order({ ...buy, selfTradePrevention: 'NONE' });
    expect(b4).toMatchObject({ status: 'FILLED', filledQuantity: '0.2' });
    expect(await a.balances()).toMatchObject({ USDT: ['99999.98', '0'], BTC: ['9.9998', '0'] });
  });
});

describe('MARKET', () => {
  it('BUY by quantity sweeps the book; beyond its protection band it expires', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    const c = await trader(platform);
    await a.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.1' });
    await a.order({ side: 'SELL', type: 'LIMIT', price: '101', quantity: '0.15' });
    const m1 = await b.order({ side: 'BUY', type: 'MARKET', quantity: '0.15' });
    expect(m1).toMatchObject({
      status: 'FILLED',
      timeInForce: 'IOC',
      filledQuantity: '0.15',
      filledQuoteQuantity: '15.05',
    });
    expect(await b.balances()).toMatchObject({ USDT: ['99984.95', '0'], BTC: ['10.14985', '0'] });

    // Best ask 101 → the band (5 %) ends at 106.05: the ask at 106.1 is out of reach.
    await a.order({ side: 'SELL', type: 'LIMIT', price: '106.1', quantity: '0.1' });
    const m2 = await b.order({ side: 'BUY', type: 'MARKET', quantity: '0.2' });
    expect(m2).toMatchObject({
      status: 'EXPIRED',
      rejectReason: 'MARKET_PROTECTION',
      filledQuantity: '0.1',
      filledQuoteQuantity: '10.1',
    });
    expect((await b.balances()).USDT).toEqual(['99974.85', '0']);

    // SELL by quantity into the bids.
    await c.order({ side: 'BUY', type: 'LIMIT', price: '99', quantity: '0.1' });
    const m3 = await b.order({ side: 'SELL', type: 'MARKET', quantity: '0.1' });
    expect(m3).toMatchObject({ status: 'FILLED', filledQuoteQuantity: '9.9' });
    expect(await b.balances()).toMatchObject({ USDT: ['99984.7401', '0'], BTC: ['10.14975', '0'] });
  });

  it('BUY by quoteQuantity spends exactly up to that amount', async () => {
    const a = await trader(platform);
    const b = await trader(platform);
    await a.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.1' });
    const m = await b.order({ side: 'BUY', type: 'MARKET', quoteQuantity: '5' });
    expect(m).toMatchObject({
      status: 'FILLED',
      quoteQuantity: '5',
      quantity: null,
      filledQuantity: '0.05',
      filledQuoteQuantity: '5',
    });
    expect(await b.balances()).toMatchObject({ USDT: ['99995', '0'], BTC: ['10.04995', '0'] });
  });
});

describe('stops (trigger on the last trade price)', () => {
  it('stop sells wait in PENDING_TRIGGER and trigger in placement order', async () => {
    const [m, x, y, z] = await Promise.all([1, 2, 3, 4].map(() => trader(platform)));
    // Last price 99; bids 0.2 at 99 and 0.2 at 98.
    await m!.order({ side: 'BUY', type: 'LIMIT', price: '99', quantity: '0.3' });
    await z!.order({ side: 'SELL', type: 'LIMIT', price: '99', quantity: '0.1' });
    await m!.order({ side: 'BUY', type: 'LIMIT', price: '98', quantity: '0.2' });
    const sx = await x!.order({
      side: 'SELL',
      type: 'STOP_LOSS',
      stopPrice: '98.5',
      quantity: '0.2',
    });
    const sy = await y!.order({
      side: 'SELL',
      type: 'STOP_LOSS_LIMIT',
      stopPrice: '98.5',
      price: '98',
      quantity: '0.2',
    });
    expect(sx).toMatchObject({ status: 'PENDING_TRIGGER', filledQuantity: '0' });
    expect(sy).toMatchObject({ status: 'PENDING_TRIGGER' });
    expect((await x!.balances()).BTC).toEqual(['9.8', '0.2']);
    // A trade at 98 (<= 98.5) triggers both: x first (market: the 0.1 left at 98, then
    // nothing), then y (limit 98: nothing left to take, so it rests).
    await z!.order({ side: 'SELL', type: 'MARKET', quantity: '0.3' });
    expect(await x!.get(sx.id)).toMatchObject({
      status: 'EXPIRED',
      rejectReason: 'NO_LIQUIDITY',
      filledQuantity: '0.1',
    });
    expect(await y!.get(sy.id)).toMatchObject({ status: 'NEW', filledQuantity: '0' });
    expect(await x!.balances()).toMatchObject({ BTC: ['9.9', '0'], USDT: ['100009.7902', '0'] });
  });

  it('a stop-market BUY holds its band from the stop price and never spends more', async () => {
    const [s, w, k, l, v] = await Promise.all([1, 2, 3, 4, 5].map(() => trader(platform)));
    // STOP_LOSS BUY triggers at last >= 99: hold 0.2 × (99 × 1.05 = 103.95) = 20.79.
    const sw = await w!.order({ side: 'BUY', type: 'STOP_LOSS', stopPrice: '99', quantity: '0.2' });
    expect(sw).toMatchObject({ status: 'PENDING_TRIGGER' });
    expect((await w!.balances()).USDT).toEqual(['99979.21', '20.79']);
    // TAKE_PROFIT_LIMIT BUY triggers at last <= 97: it keeps waiting.
    const tv = await v!.order({
      side: 'BUY',
      type: 'TAKE_PROFIT_LIMIT',
      stopPrice: '97',
      price: '97.5',
      quantity: '0.1',
    });
    expect(tv).toMatchObject({ status: 'PENDING_TRIGGER' });
    await s!.order({ side: 'SELL', type: 'LIMIT', price: '100', quantity: '0.1' });
    await s!.order({ side: 'SELL', type: 'LIMIT', price: '104.5', quantity: '0.1' });
    await k!.order({ side: 'SELL', type: 'LIMIT', price: '99', quantity: '0.1' });
    await l!.order({ side: 'BUY', type: 'LIMIT', price: '99', quantity: '0.1' });
    // Triggered by the trade at 99: buys at 100, not at 104.5 (beyond its band).
    expect(await w!.get(sw.id)).toMatchObject({
      status: 'EXPIRED',
      filledQuantity: '0.1',
      filledQuoteQuantity: '10',
    });
    expect(await w!.balances()).toMatchObject({ USDT: ['99990', '0'], BTC: ['10.0999', '0'] });
    expect((await v!.get(tv.id))!.status).toBe('PENDING_TRIGGER');
  });
});

describe('take-profit (triggers the other way round)', () => {
  it('TAKE_PROFIT SELL at last >= stop, TAKE_PROFIT_LIMIT BUY at last <= stop', async () => {
    const [p, q, r, s2, t, u] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => trader(platform)));
    // Last price 100 (the previous scenario).
    const tp = await p!.order({
      side: 'SELL',
      type: 'TAKE_PROFIT',
      stopPrice: '101',
      quantity: '0.1',
    });
    const tpl = await q!.order({
      side: 'BUY',
      type: 'TAKE_PROFIT_LIMIT',
      stopPrice: '99',
      price: '99.5',
      quantity: '0.1',
    });
    expect([tp.status, tpl.status]).toEqual(['PENDING_TRIGGER', 'PENDING_TRIGGER']);
    await r!.order({ side: 'BUY', type: 'LIMIT', price: '100.5', quantity: '0.1' });
    await s2!.order({ side: 'SELL', type: 'LIMIT', price: '101', quantity: '0.1' });
    await t!.order({ side: 'BUY', type: 'LIMIT', price: '101', quantity: '0.1' }); // last 101
    expect(await p!.get(tp.id)).toMatchObject({ status: 'FILLED', filledQuoteQuantity: '10.05' });
    expect((await q!.get(tpl.id))!.status).toBe('PENDING_TRIGGER');
    await u!.order({ side: 'SELL', type: 'LIMIT', price: '99.2', quantity: '0.1' });
    await s2!.order({ side: 'SELL', type: 'LIMIT', price: '99', quantity: '0.1' });
    await t!.order({ side: 'BUY', type: 'LIMIT', price: '99', quantity: '0.1' }); // last 99
    expect(await q!.get(tpl.id)).toMatchObject({ status: 'FILLED', filledQuoteQuantity: '9.92' });
    expect((await q!.balances()).USDT).toEqual(['99990.08', '0']);
  });
});

describe('clientOrderId', () => {
  it('the same key twice returns the first order and holds nothing more', async () => {
    const b = await trader(platform);
    const input = {
      side: 'BUY',
      type: 'LIMIT',
      price: '90',
      quantity: '0.1',
      clientOrderId: 'k-1',
    };
    const first = await b.order(input);
    const again = await b.order(input);
    expect(again.id).toBe(first.id);
    expect(again.clientOrderId).toBe('k-1');
    expect((await b.balances()).USDT).toEqual(['99991', '9']);
  });
});
