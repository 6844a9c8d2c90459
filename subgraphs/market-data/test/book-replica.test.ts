// The replica's rules without I/O: deltas chain on the snapshot; stale ones are skipped;
// a gap triggers a new snapshot; a subscriber's depth view reports levels entering/leaving.
import type { BookDeltaEvent, BookSnapshot } from '@flowex/bus';
import { describe, expect, it } from 'vitest';
import type { BookSource } from '../src/data/book.ts';
import { BookReplica, DepthView, type ReplicaEvent } from '../src/domain/book.ts';

function fakeSource(snapshots: BookSnapshot[]) {
  let handler: ((d: BookDeltaEvent) => void) | undefined;
  let requests = 0;
  const source: BookSource = {
    deltas: async (_m, h) => {
      handler = h;
      return async () => {};
    },
    snapshot: async () => {
      const s = snapshots[Math.min(requests++, snapshots.length - 1)]!;
      return structuredClone(s);
    },
  };
  return {
    source,
    push: (d: Omit<BookDeltaEvent, 'marketSymbol'>) => handler?.({ marketSymbol: 'X-Y', ...d }),
    requests: () => requests,
  };
}

const lvl = (price: string, quantity: string, orderCount = 1) => ({ price, quantity, orderCount });

describe('BookReplica', () => {
  it('applies chained deltas, skips stale ones and re-snapshots on a gap', async () => {
    const src = fakeSource([
      {
        marketSymbol: 'X-Y',
        seq: 10,
        bids: [lvl('100', '1'), lvl('99', '2')],
        asks: [lvl('101', '1')],
      },
      { marketSymbol: 'X-Y', seq: 20, bids: [lvl('98', '5')], asks: [] },
    ]);
    const replica = new BookReplica('X-Y', src.source);
    await replica.ready();
    const events: ReplicaEvent[] = [];
    replica.listen((e) => events.push(e));
    src.push({ prevSeq: 8, seq: 10, bids: [lvl('1', '1')], asks: [] }); // already in the snapshot
    src.push({ prevSeq: 10, seq: 12, bids: [lvl('100', '0', 0)], asks: [lvl('102', '3', 2)] });
    expect(replica.top(5)).toEqual({
      symbol: 'X-Y',
      sequence: '12',
      bids: [lvl('99', '2')],
      asks: [lvl('101', '1'), lvl('102', '3', 2)],
    });
    src.push({ prevSeq: 15, seq: 16, bids: [], asks: [] }); // 12 → 15 missing
    await new Promise((r) => setTimeout(r, 10));
    expect(src.requests()).toBe(2);
    expect(events.map((e) => e.kind)).toEqual(['delta', 'reset']);
    expect(replica.top(5)).toMatchObject({ sequence: '20', bids: [lvl('98', '5')], asks: [] });
  });

  it('reports what changed in a top-N view, including levels entering and leaving it', async () => {
    const src = fakeSource([
      {
        marketSymbol: 'X-Y',
        seq: 1,
        bids: [lvl('100', '1'), lvl('99', '2'), lvl('98', '3')],
        asks: [],
      },
    ]);
    const replica = new BookReplica('X-Y', src.source);
    await replica.ready();
    const view = new DepthView(replica, 2);
    expect(view.snapshot().bids).toEqual([lvl('100', '1'), lvl('99', '2')]);
    src.push({ prevSeq: 1, seq: 2, bids: [lvl('100', '0', 0)], asks: [] });
    expect(view.changes()).toEqual({ bids: [lvl('98', '3'), lvl('100', '0', 0)], asks: [] });
    src.push({ prevSeq: 2, seq: 3, bids: [lvl('101', '1')], asks: [] });
    expect(view.changes()).toEqual({ bids: [lvl('101', '1'), lvl('98', '0', 0)], asks: [] });
    src.push({ prevSeq: 3, seq: 4, bids: [lvl('97', '1')], asks: [] }); // outside the view
    expect(view.changes()).toEqual({ bids: [], asks: [] });
  });
});
