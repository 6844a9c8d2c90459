/**
 * Open-addressing hash table: positive safe-integer key (float64) -> non-negative int32 value.
 * Linear probing, Fibonacci hashing, backward-shift deletion (no tombstones), no allocation
 * except when it grows. Iteration order is never used for semantics.
 */
export class NumTable {
  keys: Float64Array;
  vals: Int32Array;
  mask: number;
  shift: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  slotOf(k: number): number {
    const lo = k >>> 0;
    const hi = (k / 4294967296) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  get(k: number): number {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.slotOf(k);
    for (;;) {
      const v = vals[i]!;
      if (v === -1 || keys[i] === k) return v;
      i = (i + 1) & mask;
    }
  }

  /** Insert or overwrite. */
  set(k: number, v: number): void {
    if ((this.size + 1) * 2 > this.vals.length) this.grow();
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.slotOf(k);
    for (;;) {
      const cur = vals[i]!;
      if (cur === -1) {
        keys[i] = k;
        vals[i] = v;
        this.size++;
        return;
      }
      if (keys[i] === k) {
        vals[i] = v;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  delete(k: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.slotOf(k);
    for (;;) {
      const cur = vals[i]!;
      if (cur === -1) return false;
      if (keys[i] === k) break;
      i = (i + 1) & mask;
    }
    // backward-shift deletion
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const vj = vals[j]!;
      if (vj === -1) break;
      const home = this.slotOf(keys[j]!);
      if (((j - home) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j]!;
        vals[i] = vj;
        i = j;
      }
    }
    vals[i] = -1;
    keys[i] = 0;
    this.size--;
    return true;
  }

  clear(): void {
    this.vals.fill(-1);
    this.keys.fill(0);
    this.size = 0;
  }

  forEach(fn: (key: number, value: number) => void): void {
    const vals = this.vals;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if (v !== -1) fn(this.keys[i]!, v);
    }
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const cap = oldV.length * 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.size = 0;
    for (let i = 0; i < oldV.length; i++) {
      const v = oldV[i]!;
      if (v !== -1) this.set(oldK[i]!, v);
    }
  }

  bytes(): number {
    return this.keys.byteLength + this.vals.byteLength;
  }
}

/** Binary min-heap of float64 keys (may contain stale entries; the owner validates the top). */
export class KeyHeap {
  a: Float64Array;
  size = 0;

  constructor(capacity = 256) {
    this.a = new Float64Array(capacity);
  }

  push(k: number): void {
    if (this.size === this.a.length) {
      const n = new Float64Array(this.a.length * 2);
      n.set(this.a);
      this.a = n;
    }
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = a[p]!;
      if (pk <= k) break;
      a[i] = pk;
      i = p;
    }
    a[i] = k;
  }

  top(): number {
    return this.a[0]!;
  }

  pop(): void {
    const a = this.a;
    const n = --this.size;
    if (n === 0) return;
    const k = a[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && a[r]! < a[c]!) c = r;
      if (a[c]! >= k) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = k;
  }

  clear(): void {
    this.size = 0;
  }
}
