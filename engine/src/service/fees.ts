// Maker/taker rates by volume tier: a user's 30-day quote volume selects a FeeTier whose
// multipliers scale the market's base rates. The volume is a sum of the daily rows that
// settlement keeps (UserDailyVolume), at most 30 a user. Volumes are cached for a minute; a
// tier change mid-minute applies from the next refresh. A market's loop waits only for a
// user it has no rates for at all: a stale user keeps his rates while they are refreshed in
// the background (waiting held every market's loop once a minute).
import type { Db } from '@flowex/db';
import { ONE, toAtoms } from './units.ts';

interface Tier {
  minVolume: bigint;
  maker: bigint;
  taker: bigint;
}

export interface UserRates {
  maker: bigint;
  taker: bigint;
}

export class FeeSchedule {
  private tiers: Tier[] = [];
  private readonly cache = new Map<string, { at: number; maker: bigint; taker: bigint }>();
  /** Users waiting for the next background refresh, and whether one is running. */
  private readonly toRefresh = new Set<string>();
  private refreshing = false;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 60_000,
    /**
     * Users whose rates are kept; beyond it, those refreshed longest ago are forgotten (and
     * loaded again, waited for, if they trade again): a long-running engine would otherwise
     * keep every user it ever saw.
     */
    private readonly maxUsers = 100_000,
  ) {}

  async load(): Promise<void> {
    const rows = await this.db.feeTier.findMany({ orderBy: { minQuoteVolume30d: 'desc' } });
    this.tiers = rows.map((t) => ({
      minVolume: toAtoms(t.minQuoteVolume30d),
      maker: toAtoms(t.makerRateMultiplier),
      taker: toAtoms(t.takerRateMultiplier),
    }));
  }

  /**
   * Whether every one of these users has rates to use now. Those cached more than a minute
   * ago still do, and are refreshed in the background.
   */
  known(userIds: Iterable<string>): boolean {
    const now = Date.now();
    let known = true;
    for (const u of userIds) {
      if (!this.cache.has(u)) known = false;
      else if (this.stale(u, now)) this.toRefresh.add(u);
    }
    this.refreshSoon();
    return known;
  }

  /** One refresh at a time, for every user waiting when it starts. */
  private refreshSoon() {
    if (this.refreshing || this.toRefresh.size === 0) return;
    this.refreshing = true;
    setImmediate(() => {
      const users = [...this.toRefresh];
      this.toRefresh.clear();
      this.ensure(users)
        .catch(() => {}) // they keep their rates; the next trade asks again
        .finally(() => {
          this.refreshing = false;
          this.refreshSoon();
        });
    });
  }

  private stale(userId: string, now: number): boolean {
    const c = this.cache.get(userId);
    return !c || now - c.at > this.ttlMs;
  }

  /** Make sure the multipliers of these users are cached (one query for the missing ones). */
  async ensure(userIds: Iterable<string>): Promise<void> {
    const now = Date.now();
    const missing = [...new Set(userIds)].filter((u) => this.stale(u, now));
    if (missing.length === 0) return;
    // 30-day quote volume: today and the 29 UTC days before it, from the daily volumes
    // settlement keeps (at most 30 rows a user). Markets quoted in other assets than USDT
    // do not count (yet).
    const rows = await this.db.$queryRawUnsafe<{ userId: string; volume: string }[]>(
      `SELECT "userId"::text AS "userId", SUM("quoteVolume")::text AS volume
         FROM "UserDailyVolume"
        WHERE "userId" = ANY($1::uuid[]) AND "quoteAssetCode" = 'USDT'
          AND day > (now() AT TIME ZONE 'UTC')::date - 30
        GROUP BY "userId"`,
      missing,
    );
    const volumes = new Map(rows.map((r) => [r.userId, toAtoms(r.volume)]));
    for (const u of missing) {
      const v = volumes.get(u) ?? 0n;
      const tier = this.tiers.find((t) => v >= t.minVolume);
      // Re-inserted, so the map's order is the order of refreshes: the oldest come first.
      this.cache.delete(u);
      this.cache.set(u, { at: now, maker: tier?.maker ?? ONE, taker: tier?.taker ?? ONE });
    }
    for (const u of this.cache.keys()) {
      if (this.cache.size <= this.maxUsers) break;
      this.cache.delete(u);
    }
  }

  /** How many users' rates are kept. */
  get size(): number {
    return this.cache.size;
  }

  /** Rates (atoms) of a user on a market whose base rates are given; `ensure` first. */
  rates(userId: string, baseMaker: bigint, baseTaker: bigint): UserRates {
    const c = this.cache.get(userId);
    const maker = c?.maker ?? ONE;
    const taker = c?.taker ?? ONE;
    return { maker: (baseMaker * maker) / ONE, taker: (baseTaker * taker) / ONE };
  }
}
