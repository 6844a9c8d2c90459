// Group commit for intake: what is submitted while earlier groups are being recorded is
// recorded together — one statement, one transaction, one WAL flush — instead of one each.
// Nothing waits for company: an item submitted alone is recorded on the next turn, alone.

export interface Pending<T, R> {
  value: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** Records one group; settles every item's promise (each item carries its own outcome). */
export type RecordGroup<T, R> = (group: Pending<T, R>[]) => Promise<void>;

export class GroupCommit<T, R> {
  private readonly pending: Pending<T, R>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly record: RecordGroup<T, R>,
    /** Groups in flight at once; more items wait and join the next group. */
    private readonly maxInFlight = 4,
    private readonly maxGroup = 500,
  ) {}

  submit(value: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ value, resolve, reject });
      this.schedule();
    });
  }

  /** Flush on the next turn, so that items submitted in the same turn go together. */
  private schedule() {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush() {
    while (this.pending.length > 0 && this.inFlight < this.maxInFlight) {
      const group = this.pending.splice(0, this.maxGroup);
      this.inFlight++;
      this.record(group)
        .catch((error: unknown) => {
          for (const p of group) p.reject(error); // no-op for those already settled
        })
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}
