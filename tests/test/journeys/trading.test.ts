// A newcomer trades, as a user would see it, through the gateway only and in both modes:
// registers, turns on 2FA, logs in with a code, deposits, opens live subscriptions
// (trades, orderBook, myOrders, myBalances), trades against a second user, and every
// event arrives with consistent numbers; then stop, iceberg, market orders and cancels.
import { randomBytes } from 'node:crypto';
import { currentTotpCode } from '@flowex/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../src/client.ts';
import { startTestPlatform, type TestPlatform } from '../../src/platform.ts';
import { requireRedis, TEST_REDIS_URL } from '../../src/redis.ts';
import {
  type Json,
  newTrader,
  type Subscription,
  subscribe,
  Trader,
  until,
} from '../../src/traders.ts';

const BOOK =
  'market snapshot sequence previousSequence bids { price quantity orderCount } asks { price quantity orderCount }';

/** Registers with 2FA on, and logs in with a fresh code, as a newcomer would. */
async function newcomerWithTwoFactor(platform: TestPlatform): Promise<Trader> {
  const gql = platform.graphql;
  const email = `journey-${randomBytes(4).toString('hex')}@example.com`;
  const password = `Cobalt-Lantern-${randomBytes(4).toString('hex')}-Reef!`;
  const first = ok(
    await gql<{ register: { accessToken: string; user: { id: string } } }>(
      'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
      { i: { email, password } },
    ),
  ).register;
  const { secret } = ok(
    await gql<{ setupTwoFactor: { secret: string } }>(
      'mutation { setupTwoFactor { secret } }',
      {},
      first.accessToken,
    ),
  ).setupTwoFactor;
  const now = Date.now();
  ok(
    await gql(
      'mutation($c: String!) { enableTwoFactor(code: $c) }',
      { c: currentTotpCode(secret, now) },
      first.accessToken,
    ),
  );
  const session = ok(
    await gql<{ login: { accessToken: string } }>(
      'mutation($e: String!, $p: String!, $c: String) { login(email: $e, password: $p, twoFactorCode: $c) { accessToken } }',
      { e: email, p: password, c: currentTotpCode(secret, now + 30_000) },
    ),
  ).login;
  return new Trader(platform, first.user.id, session.accessToken);
}

const balanceOf = async (t: Trader, asset: string) => {
  const r = await t.gql('query($a: String!) { balance(asset: $a) { available locked } }', {
    a: asset,
  });
  return r.data!.balance as { available: string; locked: string };
};

for (const mode of ['in-process', 'redis'] as const) {
  describe(`a newcomer trades (${mode})`, () => {
    let platform: TestPlatform;
    let ada: Trader;
    let bo: Trader;
    let trades: Subscription<Json>;
    let book: Subscription<Json>;
    let orders: Subscription<Json>;
    let balances: Subscription<Json>;

    beforeAll(async () => {
      if (mode === 'redis') await requireRedis();
      platform = await startTestPlatform(mode === 'redis' ? { redisUrl: TEST_REDIS_URL } : {});
      ada = await newcomerWithTwoFactor(platform);
      await ada.deposit('USDT', '100000');
      bo = await newTrader(platform, { BTC: '10' });
      trades = subscribe(
        platform,
        'subscription { trades(market: "BTC-USDT") { id price quantity quoteQuantity takerSide market { symbol baseAsset { name } } } }',
        'trades',
      );
      book = subscribe(
        platform,
        `subscription { orderBook(market: "BTC-USDT", depth: 10) { ${BOOK} } }`,
        'orderBook',
      );
      orders = subscribe(
        platform,
        'subscription { myOrders { id status filledQuantity remainingQuantity } }',
        'myOrders',
        ada.token,
      );
      balances = subscribe(
        platform,
        'subscription { myBalances { asset available locked total } }',
        'myBalances',
        ada.token,
      );
      await until(() => book.events.length > 0);
      await new Promise((r) => setTimeout(r, 300)); // the other three are registered upstream too
    }, 120_000);

    afterAll(async () => {
      await Promise.all([trades, book, orders, balances].map((s) => s?.close()));
      await platform?.stop();
    });

    it('a resting limit order, crossed by another user: every event, exact numbers', async () => {
      expect(book.events[0]).toMatchObject({ snapshot: true, bids: [], asks: [] });

      const bid = await ada.order({ side: 'BUY', price: '50000', quantity: '0.5' });
      expect(bid).toMatchObject({ status: 'NEW', filledQuantity: '0', remainingQuantity: '0.5' });
      await until(() => orders.events.some((o) => o.id === bid.id && o.status === 'NEW'));
      await until(() =>
        book.events.some((e) =>
          e.bids.some((l: Json) => l.price === '50000' && l.quantity === '0.5'),
        ),
      );
      await until(() => balances.events.some((b) => b.asset === 'USDT' && b.locked === '25000'));
      expect(await balanceOf(ada, 'USDT')).toEqual({ available: '75000', locked: '25000' });

      // Bo sells below the bid: the trade is at the maker's (Ada's) price.
      const ask = await bo.order({ side: 'SELL', price: '49000', quantity: '0.2' });
      expect(ask).toMatchObject({ status: 'FILLED', filledQuantity: '0.2', averagePrice: '50000' });
      expect(ask.fills).toEqual([
        {
          price: '50000',
          quantity: '0.2',
          quoteQuantity: '10000',
          fee: '10',
          feeAsset: 'USDT',
          liquidity: 'TAKER',
        },
      ]);

      await until(() => trades.events.length === 1);
      expect(trades.events[0]).toMatchObject({
        price: '50000',
        quantity: '0.2',
        quoteQuantity: '10000',
        takerSide: 'SELL',
        market: { symbol: 'BTC-USDT', baseAsset: { name: 'Bitcoin' } },
      });
      await until(() =>
        orders.events.some((o) => o.id === bid.id && o.status === 'PARTIALLY_FILLED'),
      );
      expect(orders.events.find((o) => o.status === 'PARTIALLY_FILLED')).toMatchObject({
        filledQuantity: '0.2',
        remainingQuantity: '0.3',
      });
      await until(() =>
        book.events.at(-1)?.bids.some((l: Json) => l.price === '50000' && l.quantity === '0.3'),
      );

      // Ada (maker) paid 0.2 × 50000 from her hold and received 0.2 BTC less the 0.1 % fee.
      await until(() => balances.events.some((b) => b.asset === 'BTC' && b.available === '0.1998'));
      expect(await balanceOf(ada, 'USDT')).toEqual({ available: '75000', locked: '15000' });
      expect(await balanceOf(ada, 'BTC')).toEqual({ available: '0.1998', locked: '0' });
      // Bo (taker) gave 0.2 BTC and received 10000 USDT less the 0.1 % fee.
      expect(await balanceOf(bo, 'BTC')).toEqual({ available: '9.8', locked: '0' });
      expect(await balanceOf(bo, 'USDT')).toEqual({ available: '9990', locked: '0' });

      // The book events chain without a gap from the snapshot on.
      for (let i = 1; i < book.events.length; i++) {
        expect(book.events[i]!.previousSequence).toBe(book.events[i - 1]!.sequence);
      }
      expect([trades, book, orders, balances].flatMap((s) => s.errors)).toEqual([]);
    });

    it('cancel, iceberg, market and stop orders the same way', async () => {
      // Cancel the rest of the bid: CANCELED, the level gone from the book, the hold released.
      const open = (await ada.gql('{ me { openOrders { id } } }')).data!.me.openOrders as Json[];
      expect(open).toHaveLength(1);
      const canceled = await ada.cancel(open[0]!.id);
      expect(canceled.data!.cancelOrder.status).toBe('CANCELED');
      await until(() => orders.events.some((o) => o.id === open[0]!.id && o.status === 'CANCELED'));
      await until(() =>
        book.events.at(-1)?.bids.some((l: Json) => l.price === '50000' && l.quantity === '0'),
      );
      expect(await balanceOf(ada, 'USDT')).toEqual({ available: '90000', locked: '0' });

      // An iceberg shows only its slice.
      const iceberg = await bo.order({
        side: 'SELL',
        price: '51000',
        quantity: '1',
        displayQuantity: '0.1',
      });
      expect(iceberg.status).toBe('NEW');
      await until(() =>
        book.events.at(-1)?.asks.some((l: Json) => l.price === '51000' && l.quantity === '0.1'),
      );

      // A market buy by quote amount takes from it at 51000.
      const market = await ada.order({ side: 'BUY', type: 'MARKET', quoteQuantity: '2550' });
      expect(market).toMatchObject({
        status: 'FILLED',
        filledQuantity: '0.05',
        filledQuoteQuantity: '2550',
      });
      await until(() => trades.events.some((t) => t.price === '51000' && t.quantity === '0.05'));

      // A stop-loss-limit sell waits for its trigger, then trades when the last price falls to it.
      const stop = await ada.order({
        side: 'SELL',
        type: 'STOP_LOSS_LIMIT',
        stopPrice: '50900',
        price: '50800',
        quantity: '0.04',
      });
      expect(stop.status).toBe('PENDING_TRIGGER');
      await bo.order({ side: 'BUY', price: '50900', quantity: '0.1' });
      const trigger = await ada.order({ side: 'SELL', price: '50900', quantity: '0.01' });
      expect(trigger.status).toBe('FILLED');
      await until(() => orders.events.some((o) => o.id === stop.id && o.status === 'FILLED'));
      const filledStop = await ada.gql(
        'query($id: ID!) { order(id: $id) { status filledQuantity averagePrice } }',
        { id: stop.id },
      );
      expect(filledStop.data!.order).toEqual({
        status: 'FILLED',
        filledQuantity: '0.04',
        averagePrice: '50900',
      });
      await until(() => trades.events.filter((t) => t.price === '50900').length === 2);

      // Everything Ada saw over myOrders is hers, and nothing went missing from the book chain.
      const mine = new Set([open[0]!.id, market.id, stop.id, trigger.id]);
      for (const o of orders.events)
        expect(mine.has(o.id) || o.id === orders.events[0]!.id).toBe(true);
      for (let i = 1; i < book.events.length; i++) {
        expect(book.events[i]!.previousSequence).toBe(book.events[i - 1]!.sequence);
      }
      expect([trades, book, orders, balances].flatMap((s) => s.errors)).toEqual([]);
    });
  });
}
