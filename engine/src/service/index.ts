// The engine service: every configured market gets a single-threaded MarketRunner, run
// only while this process holds the market's advisory lock; otherwise it stands by and
// polls for the lock (takeover well within 5 s of the owner's death).
import { type Bus, engineQueue, type Unsubscribe } from '@flowex/bus';
import { type Db, FEE_ACCOUNT_EMAIL } from '@flowex/db';
import type { Logger, Tracing } from '@flowex/server';
import type { EngineCommandMessage } from '../intake/protocol.ts';
import { warnIfAutovacuumOff } from './autovacuum.ts';
import { serveBookSnapshots } from './book-snapshot.ts';
import { type CommandPurgeOptions, startCommandPurge } from './command-purge.ts';
import { FeeSchedule } from './fees.ts';
import { MarketRunner } from './market.ts';
import { EngineMetrics } from './metrics.ts';
import { MarketLock } from './ownership.ts';
import { loadMarket } from './units.ts';

export interface EngineServiceOptions {
  db: Db;
  bus: Bus;
  logger: Logger;
  /** For the ownership locks (a dedicated connection per market). Unset: no locking. */
  databaseUrl?: string;
  /** Markets to own; default every market in the database. */
  markets?: string[];
  metrics?: EngineMetrics;
  /** Standby poll interval for the lock. Default 1000 ms. */
  lockPollMs?: number;
  sweepMs?: number;
  maxBatch?: number;
  targetCommitMs?: number;
  /** Spans of traced commands (see MarketRunner). */
  tracing?: Tracing;
  /** Deletes processed commands after a retention (command-purge.ts). Unset: kept. */
  commandPurge?: CommandPurgeOptions;
}

interface Slot {
  symbol: string;
  lock?: MarketLock;
  runner?: MarketRunner;
  unserve?: Unsubscribe;
  timer?: NodeJS.Timeout;
}

export interface MarketStatus {
  market: string;
  owned: boolean;
  ready: boolean;
  seq: number;
}

export class EngineService {
  readonly metrics: EngineMetrics;
  private readonly slots = new Map<string, Slot>();
  private fees: FeeSchedule;
  private feeAccountId = '';
  private stopped = false;
  private stopPurge: (() => Promise<void>) | undefined;

  constructor(private readonly o: EngineServiceOptions) {
    this.metrics = o.metrics ?? new EngineMetrics();
    this.fees = new FeeSchedule(o.db);
  }

  async start(): Promise<void> {
    const fee = await this.o.db.user.findUnique({ where: { email: FEE_ACCOUNT_EMAIL } });
    if (!fee) throw new Error(`fee account ${FEE_ACCOUNT_EMAIL} missing: seed the database`);
    this.feeAccountId = fee.id;
    await warnIfAutovacuumOff(this.o.db, this.o.logger);
    await this.fees.load();
    if (this.o.commandPurge) {
      this.stopPurge = startCommandPurge(this.o.db, this.o.logger, this.o.commandPurge);
    }
    const symbols =
      this.o.markets ??
      (await this.o.db.market.findMany({ select: { symbol: true } })).map((m) => m.symbol);
    if (!this.o.databaseUrl) {
      this.o.logger.warn('no database URL for ownership locks: running every market unlocked');
    }
    for (const symbol of symbols) {
      const slot: Slot = { symbol };
      this.slots.set(symbol, slot);
      await this.claim(slot);
    }
  }

  /** Try to own the market now; on failure stand by and retry. */
  private async claim(slot: Slot): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.o.databaseUrl) {
        slot.lock ??= new MarketLock(this.o.databaseUrl, slot.symbol);
        if (!(await slot.lock.tryAcquire())) return this.standBy(slot);
        slot.lock.onLost(() => {
          if (this.stopped) return; // the database going away while we stop is no news
          this.o.logger.error({ market: slot.symbol }, 'market lock lost');
          void this.release(slot).then(() => this.standBy(slot));
        });
      }
      await this.run(slot);
    } catch (error) {
      this.o.logger.error({ err: error, market: slot.symbol }, 'could not start market');
      await this.release(slot);
      this.standBy(slot);
    }
  }

  private standBy(slot: Slot) {
    if (this.stopped) return;
    slot.timer = setTimeout(() => void this.claim(slot), this.o.lockPollMs ?? 1000);
  }

  private async run(slot: Slot) {
    const market = await loadMarket(this.o.db, slot.symbol);
    const runner = new MarketRunner({
      db: this.o.db,
      bus: this.o.bus,
      market,
      feeAccountId: this.feeAccountId,
      fees: this.fees,
      logger: this.o.logger,
      metrics: this.metrics,
      ...(slot.lock ? { lock: slot.lock } : {}),
      ...(this.o.sweepMs ? { sweepMs: this.o.sweepMs } : {}),
      ...(this.o.maxBatch ? { maxBatch: this.o.maxBatch } : {}),
      ...(this.o.targetCommitMs ? { targetCommitMs: this.o.targetCommitMs } : {}),
      ...(this.o.tracing ? { tracing: this.o.tracing } : {}),
    });
    slot.runner = runner;
    await runner.start();
    const unserveCommands = await this.o.bus.serve<EngineCommandMessage>(
      engineQueue(slot.symbol),
      (msg) => runner.submit(msg),
    );
    const unserveBook = await serveBookSnapshots(this.o.bus, runner);
    slot.unserve = async () => {
      await unserveCommands();
      await unserveBook();
    };
    this.metrics.owned.set({ market: slot.symbol }, 1);
    this.o.logger.info({ market: slot.symbol, seq: runner.committedSeq }, 'market owned');
  }

  private async release(slot: Slot) {
    this.metrics.owned.set({ market: slot.symbol }, 0);
    const { unserve, runner, lock } = slot;
    slot.unserve = undefined;
    slot.runner = undefined;
    await unserve?.();
    await runner?.stop();
    await lock?.release();
    slot.lock = undefined;
  }

  runner(symbol: string): MarketRunner | undefined {
    return this.slots.get(symbol)?.runner;
  }

  status(): MarketStatus[] {
    return [...this.slots.values()].map((s) => ({
      market: s.symbol,
      owned: s.runner !== undefined,
      ready: s.runner?.ready ?? false,
      seq: s.runner?.committedSeq ?? 0,
    }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stopPurge?.();
    for (const slot of this.slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      await this.release(slot);
    }
    await this.o.tracing?.shutdown();
  }
}

export { MarketRunner } from './market.ts';
export { EngineMetrics } from './metrics.ts';
export { applyBatch, type Batch } from './settlement.ts';
export * from './units.ts';
