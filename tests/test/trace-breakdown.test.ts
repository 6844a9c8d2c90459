// placeOrderBreakdown cuts each placeOrder trace into consecutive segments (pure code:
// synthetic spans with known times).
import { describe, expect, it } from 'vitest';
import { breakdownTable, placeOrderBreakdown, SEGMENTS } from '../src/trace-breakdown.ts';
import type { ExportedSpan } from '../src/trace-collector.ts';

const MS = 1_000_000n;

/**
 * One placeOrder trace starting at `t0` ms whose segments last `d` ms each, in SEGMENTS'
 * order: gatewayIn, toTrading, tradingIn, record, toEngine, engineQueue, settlement, announce,
 * answer, toGateway.
 */
function trace(id: string, t0: number, d: number[]): ExportedSpan[] {
  const at: bigint[] = [BigInt(t0) * MS];
  for (const x of d) at.push(at.at(-1)! + BigInt(x) * MS);
  const span = (service: string, name: string, kind: number, start: bigint, end: bigint) => ({
    service: `flowex-${service}`,
    traceId: id,
    spanId: `${id}-${name}`,
    parentSpanId: '',
    name,
    kind,
    start,
    end,
    attributes: {},
  });
  return [
    span('gateway', 'graphql mutation', 2, at[0]!, at[10]!),
    span('gateway', 'subgraph trading', 3, at[1]!, at[9]!),
    span('trading', 'graphql operation', 2, at[2]!, at[9]!),
    span('trading', 'record order', 1, at[3]!, at[4]!),
    span('engine', 'PLACE BTC-USDT', 5, at[5]!, at[8]!),
    span('engine', 'settlement batch', 1, at[6]!, at[7]!),
  ];
}

describe('placeOrderBreakdown', () => {
  it('cuts each trace into its segments and finds what the slowest requests are made of', () => {
    const spans: ExportedSpan[] = [];
    // 99 requests of 1 ms per segment, one whose intake took 50 ms.
    for (let i = 0; i < 99; i++)
      spans.push(...trace(`t${i}`, 1_000 + i, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    spans.push(...trace('slow', 1_200, [1, 1, 1, 50, 1, 1, 1, 1, 1, 1]));
    const b = placeOrderBreakdown(spans, 1_000, 2_000)!;
    expect(b.traces).toBe(100);
    expect(b.total.p50Ms).toBe(10);
    expect(b.total.slowestMeanMs).toBe(59);
    expect(b.segments.record).toEqual({ p50Ms: 1, p90Ms: 1, p99Ms: 50, slowestMeanMs: 50 });
    expect(b.segments.settlement.slowestMeanMs).toBe(1);
    const table = breakdownTable('test', b);
    expect(table.split('\n').filter((l) => l.startsWith('| ')).length).toBe(SEGMENTS.length + 3);
  });

  it('counts only requests that started in the window, with every span present', () => {
    const complete = trace('in', 1_500, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const early = trace('early', 500, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // A cancel (no durable order record, no PLACE command) is not a placeOrder.
    const cancel = trace('cancel', 1_600, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]).filter(
      (s) => s.name !== 'record order',
    );
    const b = placeOrderBreakdown([...complete, ...early, ...cancel], 1_000, 2_000)!;
    expect(b.traces).toBe(1);
    expect(b.total.p99Ms).toBe(55);
    expect(SEGMENTS.map(([key]) => b.segments[key].p50Ms)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(placeOrderBreakdown(early, 1_000, 2_000)).toBeUndefined();
  });
});
