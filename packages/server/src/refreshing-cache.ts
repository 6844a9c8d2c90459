// A per-process cache of rarely changing rows (markets) read on every request. Expiry used to
// send every request in flight at that moment to the database at once, each with its own read
// of the same row; here one read per key is in flight at a time, and an expired value keeps
// being served while that read replaces it (stale-while-revalidate).

interface Entry<V> {
  value: V;
  at: number;
}

export class RefreshingCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly loading = new Map<K, Promise<V | undefined>>();

  constructor(
    /** Undefined: no such key (nothing is cached for it). */
    private readonly load: (key: K) => Promise<V | undefined>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value (expired ones too, while a refresh runs), or one read shared by all. */
  async get(key: K): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return this.fresh(key);
    if (this.now() - entry.at >= this.ttlMs) {
      // Joins the refresh already in flight, if any. A failed one keeps the value it would
      // have replaced; the next get tries again.
      this.fresh(key).catch(() => {});
    }
    return entry.value;
  }

  /** Read now (joining a read already in flight for the key) and cache the result. */
  fresh(key: K): Promise<V | undefined> {
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key)
        .then((value) => {
          // Only keys that exist: any string a client sends would otherwise stay here for good.
          if (value === undefined) this.entries.delete(key);
          else this.entries.set(key, { value, at: this.now() });
          return value;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  forget(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
