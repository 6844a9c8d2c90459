import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execute } from '../src/core/api.ts';
import { MatchingEngine } from '../src/core/engine.ts';
import type { EngineSnapshot } from '../src/core/types.ts';
import { commands, wideCommands } from './arbitraries.ts';
import { ReferenceMatcher } from './reference.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

function checkInvariants(eng: MatchingEngine, ref: ReferenceMatcher): void {
  const bid = eng.bestBid();
  const ask = eng.bestAsk();
  if (bid !== null && ask !== null) expect(bid).toBeLessThan(ask);
  expect(eng.depth('BUY')).toEqual(ref.depth('BUY'));
  expect(eng.depth('SELL')).toEqual(ref.depth('SELL'));
  expect(eng.openOrderCount()).toBe(ref.book.length + ref.stops.length);
  expect(eng.pendingStops()).toEqual(ref.stops.map((o) => o.orderId));
  for (const side of ['BUY', 'SELL'] as const) {
    for (const lvl of ref.depth(side)) {
      // FIFO within each level
      expect(eng.levelOrders(side, lvl.price)).toEqual(
        ref.level(side, lvl.price).map((o) => o.orderId),
      );
    }
  }
  for (const o of [...ref.book, ...ref.stops]) {
    const v = eng.getOrder(o.orderId);
    expect(v).not.toBeNull();
    // conservation and no overfill
    expect(v!.filled + v!.remaining).toBe(v!.quantity);
    expect(v!.filled).toBeLessThanOrEqual(v!.quantity);
    expect(v!.remaining).toBe(o.remaining);
    expect(v!.visible).toBeLessThanOrEqual(v!.remaining);
  }
}

describe('property: engine == naive reference matcher', () => {
  it('random command streams give identical events and books; invariants hold', () => {
    fc.assert(
      fc.property(commands(), fc.integer({ min: 0, max: 1500 }), (cmds, bps) => {
        const eng = new MatchingEngine({ marketProtectionBps: bps, initialOrderCapacity: 16 });
        const ref = new ReferenceMatcher(bps);
        for (const c of cmds) {
          const a = execute(eng, c);
          const b = ref.run(c);
          expect(a).toEqual(b);
          checkInvariants(eng, ref);
        }
        // traded quantity is conserved between makers and takers
        expect(eng.seq).toBe(ref.seq);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('wide price ranges (deep ladders) give identical events and books', () => {
    fc.assert(
      fc.property(wideCommands(), (cmds) => {
        const eng = new MatchingEngine({ initialOrderCapacity: 16, marketProtectionBps: 2000 });
        const ref = new ReferenceMatcher(2000);
        for (const c of cmds) {
          expect(execute(eng, c)).toEqual(ref.run(c));
          checkInvariants(eng, ref);
        }
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  }, 120_000);

  it('sequence numbers are gap-free and events are deterministic', () => {
    fc.assert(
      fc.property(commands(), (cmds) => {
        const run = () => {
          const eng = new MatchingEngine();
          return cmds.flatMap((c) => execute(eng, c));
        };
        const a = run();
        a.forEach((e, i) => {
          expect(e.seq).toBe(i + 1);
        });
        const ser = (x: unknown) =>
          JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        expect(ser(run())).toBe(ser(a));
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});

describe('property: snapshot / restore at random points', () => {
  it('restore + remaining commands == uninterrupted run', () => {
    fc.assert(
      fc.property(commands(), fc.nat(), (cmds, cut) => {
        const k = cut % (cmds.length + 1);
        const full = new MatchingEngine({ initialOrderCapacity: 16 });
        const expected = cmds.map((c) => execute(full, c));
        const part = new MatchingEngine({ initialOrderCapacity: 16 });
        for (const c of cmds.slice(0, k)) execute(part, c);
        const snap = JSON.parse(JSON.stringify(part.snapshot())) as EngineSnapshot;
        const restored = MatchingEngine.restore(snap);
        expect(restored.snapshot()).toEqual(snap);
        const got = cmds.slice(k).map((c) => execute(restored, c));
        expect(got).toEqual(expected.slice(k));
        expect(restored.snapshot()).toEqual(full.snapshot());
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
