// Group commit for intake: what is submitted while earlier groups are being recorded is
// recorded together — one statement, one transaction, one WAL flush — instead of one each.
// Nothing waits for company: an item submitted alone is recorded on the next turn, alone.

/** How items are recorded: alone (the exact answer or error), or a group in one statement. */
export interface GroupRecorder<T, R> {
  one(value: T): Promise<R>;
  /**
   * One statement for the whole group, answering item by item; an undefined answer means
   * "not recorded here", and that item is then recorded alone for its exact answer. If the
   * statement fails, nothing of the group was recorded and every item is recorded alone.
   */
  many(values: T[]): Promise<(R | undefined)[]>;
}

interface Pending<T, R> {
  value: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  private readonly pending: Pending<T, R>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly recorder: GroupRecorder<T, R>,
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
      this.record(group).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  /** Settles every item's promise; never rejects (each item carries its own outcome). */
  private async record(group: Pending<T, R>[]): Promise<void> {
    if (group.length === 1) return this.alone(group[0]!);
    let answers: (R | undefined)[] = [];
    try {
      answers = await this.recorder.many(group.map((p) => p.value));
    } catch {
      // Nothing of the group was recorded: each item on its own gets its exact answer.
    }
    await Promise.all(
      group.map((p, i) => {
        const answer = answers[i];
        if (answer === undefined) return this.alone(p);
        p.resolve(answer);
        return undefined;
      }),
    );
  }

  private async alone(p: Pending<T, R>): Promise<void> {
    try {
      p.resolve(await this.recorder.one(p.value));
    } catch (error) {
      p.reject(error);
    }
  }
}
