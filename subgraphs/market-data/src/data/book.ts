// Where the order-book replica's data comes from: the engine's committed snapshot (a bus
// request answered by the market's owner) and its `book:` deltas (pub/sub).
import {
  type BookDeltaEvent,
  type BookSnapshot,
  type Bus,
  bookSnapshotQueue,
  channels,
  type Unsubscribe,
} from '@flowex/bus';

export interface BookSource {
  deltas(market: string, handler: (delta: BookDeltaEvent) => void): Promise<Unsubscribe>;
  snapshot(market: string): Promise<BookSnapshot>;
}

export function engineBookSource(bus: Bus, timeoutMs = 5000): BookSource {
  return {
    deltas: (market, handler) =>
      bus.subscribe(channels.book(market), (payload) => handler(payload as BookDeltaEvent)),
    snapshot: (market) => bus.request<BookSnapshot>(bookSnapshotQueue(market), {}, { timeoutMs }),
  };
}
