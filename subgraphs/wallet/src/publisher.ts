// Balance-change events for the `myBalances` subscription, over the shared bus
// (`channels.balances(userId)`, payload `BalanceEvent`): the wallet's own changes
// (deposits, withdrawals) and the engine's trade-driven ones reach the same channel, in
// embedded mode (MemoryBus) and in Redis mode alike.
import { type BalanceEvent, type Bus, channels, iterate } from '@flowex/bus';
import { Prisma } from '@flowex/db';
import type { BalanceView } from './data/balances.ts';

export interface BalancePublisher {
  publish(balance: BalanceView): void;
  /** Every later change of `userId`'s balances, until the iterator is returned. */
  subscribe(userId: string): Promise<AsyncIterableIterator<BalanceView>>;
}

export const toBalanceEvent = (b: BalanceView): BalanceEvent => ({
  userId: b.userId,
  asset: b.asset,
  available: b.available.toFixed(),
  locked: b.locked.toFixed(),
});

export const fromBalanceEvent = (e: BalanceEvent): BalanceView => ({
  userId: e.userId,
  asset: e.asset,
  available: new Prisma.Decimal(e.available),
  locked: new Prisma.Decimal(e.locked),
});

export class BusBalancePublisher implements BalancePublisher {
  constructor(
    private readonly bus: Bus,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  publish(balance: BalanceView): void {
    // After the commit (callers publish committed rows); a lost event is only a missed
    // notification, never a wrong balance, so it is logged rather than failing the call.
    this.bus
      .publish(channels.balances(balance.userId), toBalanceEvent(balance))
      .catch(this.onError);
  }

  subscribe(userId: string): Promise<AsyncIterableIterator<BalanceView>> {
    return iterate(this.bus, channels.balances(userId), (payload) =>
      fromBalanceEvent(payload as BalanceEvent),
    );
  }
}
