// A trace follows an order from the gateway through the trading subgraph and the engine to
// its settlement: the platform started as `npm start` starts it, exporting spans over
// OTLP/HTTP to a collector this test runs (a plain HTTP server reading the JSON it is sent),
// in both modes. Without a collector, a client's `traceparent` still reaches the engine's
// command row unchanged.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../src/platform.ts';
import { requireRedis, TEST_REDIS_URL } from '../src/redis.ts';
import { type ExportedSpan, startCollector } from '../src/trace-collector.ts';
import { newTrader, ORDER_FIELDS, subscribe, type Trader, until } from '../src/traders.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** placeOrder through the gateway with a W3C trace context, as a traced client sends it. */
async function placeTraced(
  platform: TestPlatform,
  trader: Trader,
  input: object,
  traceparent: string,
) {
  const res = await fetch(platform.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${trader.token}`,
      traceparent,
    },
    body: JSON.stringify({
      query: `mutation Place($i: PlaceOrderInput!) { placeOrder(input: $i) { ${ORDER_FIELDS} } }`,
      operationName: 'Place',
      variables: { i: { market: 'BTC-USDT', type: 'LIMIT', ...input } },
    }),
  });
  const body = (await res.json()) as { data?: { placeOrder: { id: string; status: string } } };
  expect(body.data?.placeOrder, JSON.stringify(body)).toBeDefined();
  return body.data!.placeOrder;
}

for (const mode of ['in-process', 'redis'] as const) {
  describe(`a traced order (${mode})`, () => {
    let collector: Awaited<ReturnType<typeof startCollector>>;
    let platform: TestPlatform;

    beforeAll(async () => {
      if (mode === 'redis') await requireRedis();
      collector = await startCollector();
      platform = await startTestPlatform({
        ...(mode === 'redis' ? { redisUrl: TEST_REDIS_URL } : {}),
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
      });
    }, 120_000);

    afterAll(async () => {
      await platform?.stop();
      collector?.server.close();
    });

    it('is one trace from the gateway through trading and the engine to settlement', async () => {
      const seller = await newTrader(platform, { BTC: '1' });
      const buyer = await newTrader(platform, { USDT: '100000' });
      await seller.order({ side: 'SELL', price: '30000', quantity: '0.1' });
      const traceId = hex(16);
      const clientSpanId = hex(8);
      const order = await placeTraced(
        platform,
        buyer,
        { side: 'BUY', price: '30000', quantity: '0.1' },
        `00-${traceId}-${clientSpanId}-01`,
      );
      expect(order.status).toBe('FILLED');

      const inTrace = () => collector.spans.filter((s) => s.traceId === traceId);
      // Each service exports on its own schedule: wait for all three.
      await until(() => {
        const services = new Set(inTrace().map((s) => s.service));
        return ['gateway', 'trading', 'engine'].every((n) => services.has(`flowex-${n}`));
      }, 20_000);
      const spans = inTrace();
      const one = (predicate: (s: ExportedSpan) => boolean, what: string) => {
        const found = spans.filter(predicate);
        expect(
          found,
          `${what} in ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`,
        ).toHaveLength(1);
        return found[0]!;
      };
      const gateway = one((s) => s.service === 'flowex-gateway' && s.kind === 2, 'gateway request');
      expect(gateway).toMatchObject({ name: 'graphql Place', parentSpanId: clientSpanId });
      const call = one(
        (s) => s.service === 'flowex-gateway' && s.name === 'subgraph trading',
        'gateway call to trading',
      );
      expect(call.parentSpanId).toBe(gateway.spanId);
      const trading = one((s) => s.service === 'flowex-trading' && s.kind === 2, 'trading request');
      // Named after the operation the gateway sent (its query plan names it after the client's).
      expect(trading.name).toMatch(/^graphql Place/);
      expect(trading.parentSpanId).toBe(call.spanId);
      const engine = one((s) => s.service === 'flowex-engine' && s.kind === 5, 'engine command');
      expect(engine).toMatchObject({ name: 'PLACE BTC-USDT', parentSpanId: trading.spanId });
      expect(engine.attributes).toMatchObject({
        'flowex.market': 'BTC-USDT',
        'flowex.command.outcome': 'placed',
      });
      const settlement = one((s) => s.name === 'settlement batch', 'settlement batch');
      expect(settlement.parentSpanId).toBe(engine.spanId);
      // The durable record (intake's statement), within the request, before the engine has it.
      const record = one((s) => s.name === 'record order', 'durable record');
      expect(record).toMatchObject({ service: 'flowex-trading', parentSpanId: trading.spanId });
      // Each inside its parent's time (one machine's clock), to OpenTelemetry JS's precision:
      // a span's times are anchored to Date.now() when it starts, a millisecond clock.
      const slack = 2_000_000n; // ns
      for (const [outer, inner] of [
        [gateway, call],
        [trading, record],
        [engine, settlement],
      ] as const) {
        expect(inner.start, `${inner.name} starts within ${outer.name}`).toBeGreaterThanOrEqual(
          outer.start - slack,
        );
        expect(inner.end, `${inner.name} ends within ${outer.name}`).toBeLessThanOrEqual(
          outer.end + slack,
        );
      }
      // Across processes only the start is bound: a server's span ends after it has written
      // its answer, and on a busy machine the caller can read that answer and end its own
      // span first (a CI run saw trading's span end 4 ms after the gateway's).
      for (const [outer, inner] of [
        [call, trading],
        [trading, engine],
      ] as const) {
        expect(inner.start, `${inner.name} starts within ${outer.name}`).toBeGreaterThanOrEqual(
          outer.start - slack,
        );
        expect(inner.start, `${inner.name} starts before ${outer.name} ends`).toBeLessThanOrEqual(
          outer.end + slack,
        );
      }
      expect(record.end).toBeLessThanOrEqual(engine.start + slack);
      // The command row carries the same trace.
      const command = await platform.database.db.engineCommand.findFirstOrThrow({
        where: { orderId: BigInt(order.id) },
      });
      expect(command.traceparent?.split('-')[1]).toBe(traceId);
    });

    it('traces an order sent over the WebSocket too, from the gateway to the engine', async () => {
      const trader = await newTrader(platform, { USDT: '100000' });
      const placed = subscribe<{ id: string; status: string }>(
        platform,
        `mutation PlaceOverSocket { placeOrder(input: { market: "BTC-USDT", side: BUY, type: LIMIT, price: "29000", quantity: "0.1" }) { id status } }`,
        'placeOrder',
        trader.token,
      );
      await until(() => placed.events.length === 1 || placed.errors.length > 0);
      await placed.close();
      expect(placed.errors).toEqual([]);
      const request = () =>
        collector.spans.find(
          (s) => s.service === 'flowex-gateway' && s.name === 'graphql PlaceOverSocket',
        );
      await until(() => {
        const root = request();
        return (
          root !== undefined &&
          collector.spans.some((s) => s.traceId === root.traceId && s.name === 'PLACE BTC-USDT')
        );
      }, 20_000);
      expect(request()!.parentSpanId).toBe('');
    });
  });
}

describe('without a collector', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it("passes a client's traceparent along to the engine's command unchanged", async () => {
    const trader = await newTrader(platform, { USDT: '100000' });
    const traceparent = `00-${hex(16)}-${hex(8)}-01`;
    const order = await placeTraced(
      platform,
      trader,
      { side: 'BUY', price: '100', quantity: '0.1' },
      traceparent,
    );
    const command = await platform.database.db.engineCommand.findFirstOrThrow({
      where: { orderId: BigInt(order.id) },
    });
    expect(command.traceparent).toBe(traceparent);
    // Junk in the header starts afresh instead of travelling on into stored rows.
    const junk = await placeTraced(
      platform,
      trader,
      { side: 'BUY', price: '100', quantity: '0.1' },
      `00-${'x'.repeat(32)}-${hex(8)}-01`,
    );
    const junkCommand = await platform.database.db.engineCommand.findFirstOrThrow({
      where: { orderId: BigInt(junk.id) },
    });
    expect(junkCommand.traceparent).toBeNull();
  });
});
