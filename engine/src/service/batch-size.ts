/**
 * How many commands the next settlement batch of a market may take.
 *
 * Under load, commands arrive in lumps: a committed batch answers hundreds of requesters at
 * once, and they send their next commands at once. A batch that took a whole lump left the
 * next one almost nothing to fold while it committed, so folding, the commit and the answers
 * ran one after another instead of overlapping: `bench:settlement` settled its 1,000 commands
 * in flight as a batch of 999 and a batch of 1, over and over, with the machine two-thirds
 * busy. Capping each batch at what commits in about `targetMs` splits a lump over batches that
 * follow one another while the next one folds, and bounds how long a command waits behind a
 * commit. The cost per command is learnt from the commits themselves (it moves with the
 * machine, the market and how many fills an order makes).
 */
export class BatchSizer {
  /** Smoothed commit time per command, ms (0: nothing learnt yet). */
  private msPerCommand = 0;

  constructor(
    private readonly maxBatch: number,
    private readonly targetMs: number,
    /** Never below this: small batches pay a transaction's fixed cost for few commands. */
    private readonly minBatch = 64,
  ) {}

  /** Most commands the next batch may take. */
  limit(): number {
    if (this.msPerCommand === 0) return this.maxBatch;
    const fits = Math.floor(this.targetMs / this.msPerCommand);
    return Math.min(this.maxBatch, Math.max(this.minBatch, fits));
  }

  /** A batch of `commands` committed in `ms`. */
  observe(commands: number, ms: number): void {
    // A small batch's time is mostly the transaction's fixed cost: it says little about
    // what one more command costs.
    if (commands < this.minBatch) return;
    const sample = ms / commands;
    this.msPerCommand = this.msPerCommand === 0 ? sample : this.msPerCommand * 0.8 + sample * 0.2;
  }
}
