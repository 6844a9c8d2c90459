// Market data through the gateway on the platform as `npm start` runs it (in-process,
// shared bus): the federated book and ticker, the live subscriptions with cross-subgraph
// selections, trade-driven myBalances, and the book-sync proof — a client applying the
// orderBook deltas to its snapshot always equals a fresh orderBook query at the same
// sequence, under random orders and cancels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../src/platform.ts';
import {
  type BookUpdate,
  ClientBook,
  type Json,
  newTrader,
  prng,
  subscribe,
  type Trader,
  until,
} from './helpers.ts';

let platform: TestPlatform;
let alice: Trader;
let bob: Trader;
let carol: Trader;

beforeAll(async () => {
  platform = await startTestPlatform({ env: { LOG_LEVEL: 'warn' } });
  const funds = { USDT: '1000000', BTC: '100' };
  [alice, bob, carol] = await Promise.all([
    newTrader(platform, funds),
    newTrader(platform, funds),
    newTrader(platform, funds),
  ]);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

const LEVEL = 'price quantity orderCount';
const BOOK = `sequence bids { ${LEVEL} } asks { ${LEVEL} }`;

async function book(depth: number): Promise<Json> {
  const r = await platform.graphql<Json>(
    `{ orderBook(market: "BTC-USDT", depth: ${depth}) { ${BOOK} } }`,
  );
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.orderBook;
}

describe('live market data through the gateway', () => {
  it('trades with a cross-subgraph selection, ticker, candles, Market.orderBook/ticker and trade-driven myBalances', async () => {
    const trades = subscribe(
      platform,
      'subscription { trades(market: "BTC-USDT") { price quantity takerSide market { symbol baseAsset { name } ticker { lastPrice } } } }',
      'trades',
    );
    const ticker = subscribe(
      platform,
      'subscription { ticker(market: "BTC-USDT") { market lastPrice bestBid bestAsk open24h high24h low24h volume24h quoteVolume24h tradeCount24h } }',
      'ticker',
    );
    const candles = subscribe(
      platform,
      'subscription { candles(market: "BTC-USDT", interval: ONE_MINUTE) { market interval open close volume tradeCount } }',
      'candles',
    );
    const balances = subscribe(
      platform,
      'subscription { myBalances { asset available locked } }',
      'myBalances',
      bob.token,
    );
    await new Promise((r) => setTimeout(r, 500)); // subscriptions registered upstream
    await alice.order({ side: 'SELL', price: '100', quantity: '2' });
    await bob.order({ side: 'BUY', price: '100', quantity: '0.5' });
    await until(() => trades.events.length === 1 && candles.events.length > 0);
    expect(trades.events[0]).toEqual({
      price: '100',
      quantity: '0.5',
      takerSide: 'BUY',
      market: {
        symbol: 'BTC-USDT',
        baseAsset: { name: 'Bitcoin' },
        ticker: { lastPrice: '100' },
      },
    });
    expect(candles.events.at(-1)).toMatchObject({
      market: 'BTC-USDT',
      interval: 'ONE_MINUTE',
      close: '100',
    });
    await until(() =>
      ticker.events.some((t) => t.lastPrice === '100' && t.bestAsk === '100' && t.bestBid === null),
    );
    // The query's 24 h figures are the live ticker's (both over the 1m candles' window).
    const queried = await platform.graphql<{ ticker: Json }>(
      '{ ticker(market: "BTC-USDT") { market lastPrice bestBid bestAsk open24h high24h low24h volume24h quoteVolume24h tradeCount24h } }',
    );
    expect(queried.data!.ticker).toEqual(ticker.events.at(-1));
    expect(queried.data!.ticker).toMatchObject({ volume24h: '0.5', tradeCount24h: 1 });
    // Bob's balances after the trade, pushed by the engine's settlement over the bus.
    await until(() => balances.events.some((b) => b.asset === 'BTC' && b.available === '100.4995'));
    const m = await platform.graphql<Json>(
      '{ market(symbol: "BTC-USDT") { symbol ticker { lastPrice bestAsk } orderBook(depth: 1) { sequence market { symbol } asks { price quantity orderCount } } } }',
    );
    expect(m.errors, JSON.stringify(m.errors)).toBeUndefined();
    expect(m.data!.market).toMatchObject({
      ticker: { lastPrice: '100', bestAsk: '100' },
      orderBook: {
        market: { symbol: 'BTC-USDT' },
        asks: [{ price: '100', quantity: '1.5', orderCount: 1 }],
      },
    });
    await Promise.all([trades, ticker, candles, balances].map((s) => s.close()));
  });

  it('book sync: deltas applied to the snapshot equal a fresh orderBook query at the same sequence', async () => {
    const random = prng(20261125);
    const depths = [8, 1000];
    const subs = depths.map((depth) =>
      subscribe<BookUpdate>(
        platform,
        `subscription { orderBook(market: "BTC-USDT", depth: ${depth}) { market snapshot sequence previousSequence bids { ${LEVEL} } asks { ${LEVEL} } } }`,
        'orderBook',
      ),
    );
    await until(() => subs.every((s) => s.events.length > 0 || s.errors.length > 0));
    expect(subs.flatMap((s) => s.errors)).toEqual([]);
    const traders = [alice, bob, carol];
    const open: { t: Trader; id: string }[] = [];
    const check = async () => {
      for (const [i, depth] of depths.entries()) {
        const sub = subs[i]!;
        let fresh = await book(depth);
        // The query and the stream reach the same committed sequence once the round is done.
        await until(async () => {
          const last = sub.events.at(-1)?.sequence;
          if (last === fresh.sequence) return true;
          fresh = await book(depth);
          return false;
        });
        const client = new ClientBook();
        for (const e of sub.events) client.apply(e);
        expect(client.gaps).toEqual([]);
        expect(client.sequence).toBe(fresh.sequence);
        expect(client.book()).toEqual({ bids: fresh.bids, asks: fresh.asks });
      }
    };
    for (let round = 0; round < 8; round++) {
      const ops: Promise<unknown>[] = [];
      for (let k = 0; k < 15; k++) {
        const t = traders[Math.floor(random() * traders.length)]!;
        if (open.length > 0 && random() < 0.3) {
          const [o] = open.splice(Math.floor(random() * open.length), 1);
          ops.push(o!.t.cancel(o!.id));
          continue;
        }
        const side = random() < 0.5 ? 'BUY' : 'SELL';
        // Prices overlap around 100 so that some orders trade.
        const price = (95 + Math.floor(random() * 100) / 10 + (side === 'BUY' ? -2 : 2)).toFixed(2);
        const quantity = (0.06 + Math.floor(random() * 500) / 1000).toFixed(3);
        ops.push(t.order({ side, price, quantity }).then((o) => void open.push({ t, id: o.id })));
      }
      await Promise.all(ops);
      await check();
    }
    const final = await book(1000);
    expect(final.bids.length + final.asks.length).toBeGreaterThan(5);
    // The random flow did trade (levels consumed by takers, not only placed and cancelled).
    expect(await platform.database.db.trade.count()).toBeGreaterThan(5);
    expect(subs[0]!.events.filter((e) => e.snapshot)).toHaveLength(1);

    // A late joiner with the very same subscription still starts from its own snapshot:
    // the gateway never shares snapshot-first streams between clients.
    const late = subscribe<BookUpdate>(
      platform,
      `subscription { orderBook(market: "BTC-USDT", depth: 8) { market snapshot sequence previousSequence bids { ${LEVEL} } asks { ${LEVEL} } } }`,
      'orderBook',
    );
    await until(() => late.events.length > 0 || late.errors.length > 0);
    expect(late.errors).toEqual([]);
    expect(late.events[0]?.snapshot).toBe(true);
    const joined = await book(8);
    expect({ bids: late.events[0]!.bids, asks: late.events[0]!.asks }).toEqual({
      bids: joined.bids,
      asks: joined.asks,
    });
    await Promise.all([...subs, late].map((s) => s.close()));
  });
});
