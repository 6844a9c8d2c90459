import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export { fundedUser } from '@flowex/db/testing';

export interface Subscription<T> {
  events: T[];
  errors: unknown[];
  close(): Promise<void>;
}

/** A graphql-ws subscription collecting `data[field]` of every event. */
export function subscribe<T = Record<string, unknown>>(
  httpUrl: string,
  query: string,
  field: string,
  token?: string,
): Subscription<T> {
  const client = createClient({
    url: httpUrl.replace('http://', 'ws://'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  client.subscribe<Record<string, T>>(
    { query },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) events.push(v.data[field] as T);
      },
      error: (e) => void errors.push(e),
      complete: () => {},
    },
  );
  return { events, errors, close: () => client.dispose() as Promise<void> };
}

export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
  private bids = new Map<string, PriceLevel>();
  private asks = new Map<string, PriceLevel>();

  apply(e: BookUpdate): void {
    if (this.sequence !== null && e.previousSequence !== this.sequence) {
      throw new Error(`gap: ${e.previousSequence} after ${this.sequence}`);
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
