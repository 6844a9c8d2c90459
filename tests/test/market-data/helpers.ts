// Market-data journeys through the gateway: the client-side order book that a subscriber
// keeps from orderBook events (the shared trader and subscription helpers are in src/).
export * from '../../src/traders.ts';

export interface PriceLevel {
  price: string;
  quantity: string;
  orderCount: number;
}

export interface BookUpdate {
  market: string;
  snapshot: boolean;
  sequence: string;
  previousSequence: string | null;
  bids: PriceLevel[];
  asks: PriceLevel[];
}

/**
 * What a client does with `orderBook` events: replace on a snapshot, apply changed levels
 * otherwise, and prove the chain (previousSequence = the prior event's sequence).
 */
export class ClientBook {
  sequence: string | null = null;
  readonly gaps: string[] = [];
  private bids = new Map<string, PriceLevel>();
  private asks = new Map<string, PriceLevel>();

  apply(e: BookUpdate): void {
    if (this.sequence !== null && e.previousSequence !== this.sequence) {
      this.gaps.push(`${e.previousSequence} after ${this.sequence}`);
    }
    if (e.snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [side, levels] of [
      [this.bids, e.bids],
      [this.asks, e.asks],
    ] as const) {
      for (const l of levels) {
        if (Number(l.quantity) === 0) side.delete(l.price);
        else side.set(l.price, l);
      }
    }
    this.sequence = e.sequence;
  }

  book(): { bids: PriceLevel[]; asks: PriceLevel[] } {
    return {
      bids: [...this.bids.values()].sort((a, b) => Number(b.price) - Number(a.price)),
      asks: [...this.asks.values()].sort((a, b) => Number(a.price) - Number(b.price)),
    };
  }
}
