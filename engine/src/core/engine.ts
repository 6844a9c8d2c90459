import {
  CommandKind,
  EVENT_STRIDE,
  EventType,
  ExpireCode,
  MAX_SAFE,
  ORDER_TYPE_NAMES,
  OrderStatus,
  OrderType,
  RejectCode,
  SIDE_NAMES,
  STP_NAMES,
  StpMode,
  TIF_NAMES,
  TimeInForce,
} from './constants.ts';
import type {
  DepthLevel,
  EngineConfig,
  EngineSnapshot,
  OrderView,
  SnapshotOrder,
} from './types.ts';

// order meta (int32 field 15 of the order record) bit layout
const M_SIDE = 1; // bit 0
const S_TYPE = 1; // bits 1-3
const S_TIF = 4; // bits 4-5
const S_STP = 6; // bits 6-7
const M_POST = 1 << 8;
const S_STATE = 9; // bits 9-10
const M_QUOTE = 1 << 11;
const ST_RESTING = 1;
const ST_PENDING = 2;

// match() result codes
const R_DONE = 0;
const R_PRICE = 1;
const R_EMPTY = 2;
const R_QUOTE = 3;
const R_STP_TAKER = 4;
const R_STP_BOTH = 5;

const BUY = 0;

function grow64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function grow32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}
function num(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : 0;
}
function isMarketType(type: number): boolean {
  return (
    type === OrderType.MARKET || type === OrderType.STOP_LOSS || type === OrderType.TAKE_PROFIT
  );
}

/**
 * The pure matching engine for one market. Commands in, events out: every public command
 * clears the event buffer and writes its events into `events` (EVENT_STRIDE float64 slots per
 * event, `eventCount` events). Read them before the next command (or use `decodeEvents`).
 */
export class MatchingEngine {
  readonly marketProtectionBps: number;

  /** Fast event buffer (may be reallocated when it grows: always read `engine.events`). */
  events: Float64Array;
  eventCount = 0;
  /** Sequence number of the last emitted event (gap-free per market). */
  seq = 0;
  /** seq -> quote budget for ACCEPTED events of quote-amount market orders (this command). */
  readonly quoteAux = new Map<number, bigint>();

  /** Last trade price in ticks (0 = no trade yet). */
  lastPrice = 0;

  // ---- order pool (struct of arrays) ----
  private ocap: number;
  private oTop = 0;
  private oFree = -1;
  /**
   * Hot order fields, one 64-byte cache line per order (array of structs over one buffer):
   * float64 [0]=id [1]=user [2]=price [3]=quantity [4]=remaining [5]=visible;
   * int32 [12]=next [13]=prev [14]=level [15]=meta. filled = quantity - remaining.
   */
  private F: Float64Array;
  private I: Int32Array;
  private oDisp: Float64Array;
  private oStop: Float64Array;
  /** id -> slot index: open addressing, pairs [slot + 1 (0 = empty), hash32(id)]. */
  private idx: Int32Array;
  private idxShift: number;
  private idxMask: number;
  private idxSize = 0;
  /** Bumped on every index mutation; validates the two probe hints below. */
  private idxEpoch = 0;
  /** Table position of the last successful idGet (valid while idxEpoch === foundEpoch). */
  private foundPos = -1;
  private foundEpoch = -1;
  /** Empty position found by the last failed idGet: where that id would be inserted. */
  private hintPos = -1;
  private hintKey = 0;
  private hintHash = 0;
  private hintEpoch = -1;

  // ---- price levels ----
  private lcap = 256;
  private lTop = 0;
  private lFree = -1;
  private lPrice: Float64Array = new Float64Array(256);
  private lTotal: Float64Array = new Float64Array(256);
  private lCount: Int32Array = new Int32Array(256);
  private lHead: Int32Array = new Int32Array(256);
  private lTail: Int32Array = new Int32Array(256);
  /**
   * Price ladder per side: keys sorted ascending with the best level at the end (bids:
   * key = price, asks: key = -price) and the level ids alongside. Inserting or removing a
   * level costs O(distance from the touch) (a copyWithin), lookups scan from the touch, then
   * binary-search: activity concentrates near the touch.
   */
  private readonly lvK: Float64Array[] = [new Float64Array(256), new Float64Array(256)];
  private readonly lvId: Int32Array[] = [new Int32Array(256), new Int32Array(256)];
  private readonly lvN = new Int32Array(2);
  private readonly best = new Int32Array([-1, -1]);

  // ---- stops ----
  private stopHead = -1;
  private stopTail = -1;
  private stopCount = 0;
  private trigQueue: number[] = [];
  private trLo = Number.POSITIVE_INFINITY;
  private trHi = 0;

  /** Remaining budget of the quote-amount market order being matched. */
  private budget = 0n;

  constructor(config: EngineConfig = {}) {
    const bps = config.marketProtectionBps ?? 500;
    if (!Number.isSafeInteger(bps) || bps < 0 || bps > 10000) {
      throw new RangeError('marketProtectionBps must be an integer in [0, 10000]');
    }
    this.marketProtectionBps = bps;
    const cap = Math.max(16, config.initialOrderCapacity ?? 1 << 14);
    this.ocap = cap;
    const buf = new ArrayBuffer(cap * 64);
    this.F = new Float64Array(buf);
    this.I = new Int32Array(buf);
    this.oDisp = new Float64Array(cap);
    this.oStop = new Float64Array(cap);
    // The id index grows with the number of open orders (not the pool capacity), so that it
    // stays small and cache-resident for the usual few-thousand-order books.
    const icap = 1024;
    this.idx = new Int32Array(icap * 2);
    this.idxMask = icap - 1;
    this.idxShift = 32 - Math.log2(icap);
    this.events = new Float64Array(EVENT_STRIDE * 1024);
  }

  // =====================================================================================
  // Public commands
  // =====================================================================================

  /**
   * Place an order (numeric fast form). Absent price / stopPrice / display = 0.
   * `quote` (bigint) only for MARKET BUY by quote amount (then quantity must be 0).
   */
  place(
    orderId: number,
    userId: number,
    side: number,
    type: number,
    tif: number,
    price: number,
    quantity: number,
    stopPrice = 0,
    display = 0,
    stp = 0,
    postOnly = false,
    quote: bigint | null = null,
  ): void {
    this.eventCount = 0;
    if (this.quoteAux.size > 0) this.quoteAux.clear();
    const reason = this.validate(
      orderId,
      userId,
      side,
      type,
      tif,
      price,
      quantity,
      stopPrice,
      display,
      stp,
      postOnly,
      quote,
    );
    if (reason >= 0) {
      this.emitReject(orderId, userId, CommandKind.PLACE, reason);
      return;
    }
    this.trLo = Number.POSITIVE_INFINITY;
    this.trHi = 0;
    const market = isMarketType(type);
    if (market) tif = TimeInForce.IOC;
    const t = this.allocOrder();
    this.F[t << 3] = orderId;
    this.F[(t << 3) + 1] = userId;
    this.F[(t << 3) + 2] = market ? 0 : price;
    this.oStop[t] = stopPrice;
    const isQuote = quote !== null;
    const qty = isQuote ? 0 : quantity;
    this.F[(t << 3) + 3] = isQuote ? MAX_SAFE : qty;
    this.F[(t << 3) + 4] = isQuote ? MAX_SAFE : qty;
    this.oDisp[t] = display;
    this.F[(t << 3) + 5] = display > 0 ? display : qty;
    this.I[(t << 4) + 15] =
      side |
      (type << S_TYPE) |
      (tif << S_TIF) |
      (stp << S_STP) |
      (postOnly ? M_POST : 0) |
      (isQuote ? M_QUOTE : 0);
    // ACCEPTED
    const b = this.ev(EventType.ACCEPTED);
    const e = this.events;
    e[b + 2] = orderId;
    e[b + 3] = userId;
    e[b + 4] = side;
    e[b + 5] = type;
    e[b + 6] = tif;
    e[b + 7] = market ? 0 : price;
    e[b + 8] = qty;
    e[b + 9] = stopPrice;
    e[b + 10] = display;
    e[b + 11] = (postOnly ? 1 : 0) | (stp << 1) | (isQuote ? 8 : 0);
    if (isQuote) {
      this.quoteAux.set(this.seq, quote);
      this.budget = quote;
    }

    if (type >= OrderType.STOP_LOSS) {
      const lp = this.lastPrice;
      if (lp > 0 && this.stopHolds(t, lp, lp)) {
        this.emitTriggered(t);
        this.execute(t);
      } else {
        this.I[(t << 4) + 15]! |= ST_PENDING << S_STATE;
        this.linkStop(t);
        this.idSet(orderId, t);
        return;
      }
    } else {
      this.execute(t);
    }
    if (this.stopCount > 0) this.cascade();
  }

  /** Convenience: LIMIT order, STP NONE (the flash1 / benchmark fast path). */
  limit(orderId: number, userId: number, side: number, price: number, qty: number, tif = 0): void {
    this.place(orderId, userId, side, OrderType.LIMIT, tif, price, qty);
  }

  /** Cancel an open order (resting or pending stop). */
  cancel(orderId: number, userId?: number): void {
    this.eventCount = 0;
    if (this.quoteAux.size > 0) this.quoteAux.clear();
    const s = isId(orderId) ? this.idGet(orderId) : -1;
    if (s < 0 || (userId !== undefined && this.F[(s << 3) + 1] !== userId)) {
      this.emitReject(orderId, num(userId), CommandKind.CANCEL, RejectCode.UNKNOWN_ORDER);
      return;
    }
    this.cancelSlot(s);
  }

  /** Cancel every open order (resting and pending stops) of a user, in ascending orderId. */
  cancelAll(userId: number): void {
    this.eventCount = 0;
    if (this.quoteAux.size > 0) this.quoteAux.clear();
    if (!isId(userId)) {
      this.emitReject(0, num(userId), CommandKind.CANCEL_ALL, RejectCode.INVALID_USER_ID);
      return;
    }
    const found: number[] = [];
    const I = this.I;
    for (let s = 0; s < this.oTop; s++) {
      if ((I[(s << 4) + 15]! >> S_STATE) & 3 && this.F[(s << 3) + 1] === userId) found.push(s);
    }
    found.sort((a, b) => this.F[a << 3]! - this.F[b << 3]!);
    for (const s of found) this.cancelSlot(s);
  }

  /**
   * Amend an open order. Reducing the quantity at the same price keeps queue priority; a price
   * change or a quantity increase removes it and re-enters it as an incoming order (it may
   * trade) at the back of its level. `quantity` is the new total quantity (> filled).
   */
  amend(orderId: number, quantity: number, price?: number, userId?: number): void {
    this.eventCount = 0;
    if (this.quoteAux.size > 0) this.quoteAux.clear();
    const s = isId(orderId) ? this.idGet(orderId) : -1;
    if (s < 0 || (userId !== undefined && this.F[(s << 3) + 1] !== userId)) {
      this.emitReject(orderId, num(userId), CommandKind.AMEND, RejectCode.UNKNOWN_ORDER);
      return;
    }
    const meta = this.I[(s << 4) + 15]!;
    const type = (meta >> S_TYPE) & 7;
    const uid = this.F[(s << 3) + 1]!;
    const filled = this.F[(s << 3) + 3]! - this.F[(s << 3) + 4]!;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity <= filled) {
      this.emitReject(orderId, uid, CommandKind.AMEND, RejectCode.INVALID_QUANTITY);
      return;
    }
    const disp = this.oDisp[s]!;
    if (disp > 0 && quantity - filled <= 0) {
      this.emitReject(orderId, uid, CommandKind.AMEND, RejectCode.INVALID_QUANTITY);
      return;
    }
    let newPrice = this.F[(s << 3) + 2]!;
    if (price !== undefined) {
      if (isMarketType(type) || !Number.isSafeInteger(price) || price < 1) {
        this.emitReject(orderId, uid, CommandKind.AMEND, RejectCode.INVALID_PRICE);
        return;
      }
      newPrice = price;
    }
    const state = (meta >> S_STATE) & 3;
    const side = meta & M_SIDE;
    if (state === ST_PENDING) {
      this.F[(s << 3) + 3] = quantity;
      this.F[(s << 3) + 4] = quantity;
      this.F[(s << 3) + 5] = disp > 0 && disp < quantity ? disp : quantity;
      this.F[(s << 3) + 2] = newPrice;
      this.emitUpdate(s, OrderStatus.PENDING_TRIGGER);
      return;
    }
    const lv = this.I[(s << 4) + 14]!;
    const status = filled > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW;
    if (newPrice === this.F[(s << 3) + 2] && quantity <= this.F[(s << 3) + 3]!) {
      // in place, keeps priority
      const rem = quantity - filled;
      this.F[(s << 3) + 3] = quantity;
      this.F[(s << 3) + 4] = rem;
      const vis = this.F[(s << 3) + 5]!;
      if (vis > rem) {
        this.lTotal[lv] = this.lTotal[lv]! - (vis - rem);
        this.F[(s << 3) + 5] = rem;
      }
      this.emitUpdate(s, status);
      this.emitLevel(side, lv);
      return;
    }
    if (meta & M_POST && this.crosses(side, newPrice)) {
      this.emitReject(orderId, uid, CommandKind.AMEND, RejectCode.POST_ONLY_WOULD_TAKE);
      return;
    }
    // remove, then re-enter as an incoming order
    this.trLo = Number.POSITIVE_INFINITY;
    this.trHi = 0;
    this.unlink(lv, s);
    this.lTotal[lv] = this.lTotal[lv]! - this.F[(s << 3) + 5]!;
    this.idDelete(orderId);
    this.I[(s << 4) + 15] = meta & ~(3 << S_STATE);
    const rem = quantity - filled;
    this.F[(s << 3) + 2] = newPrice;
    this.F[(s << 3) + 3] = quantity;
    this.F[(s << 3) + 4] = rem;
    this.F[(s << 3) + 5] = disp > 0 && disp < rem ? disp : rem;
    this.emitUpdate(s, status);
    this.levelChanged(side, lv);
    this.execute(s);
    if (this.stopCount > 0) this.cascade();
  }

  // =====================================================================================
  // Read helpers
  // =====================================================================================

  bestBid(): number | null {
    const lv = this.best[0]!;
    return lv < 0 ? null : this.lPrice[lv]!;
  }

  bestAsk(): number | null {
    const lv = this.best[1]!;
    return lv < 0 ? null : this.lPrice[lv]!;
  }

  /** Number of open orders (resting + pending stops). */
  openOrderCount(): number {
    return this.idxSize;
  }

  /** Best `levels` price levels of a side, best first (visible quantities). */
  depth(side: 'BUY' | 'SELL' | number, levels = Number.POSITIVE_INFINITY): DepthLevel[] {
    const sd = side === 'BUY' || side === 0 ? 0 : 1;
    return this.sortedLevels(sd)
      .slice(0, levels)
      .map((lv) => ({
        price: this.lPrice[lv]!,
        quantity: this.lTotal[lv]!,
        orderCount: this.lCount[lv]!,
      }));
  }

  /** Look up an open order (resting or pending stop) by id. */
  getOrder(orderId: number): OrderView | null {
    const s = isId(orderId) ? this.idGet(orderId) : -1;
    return s < 0 ? null : this.view(s);
  }

  /** Resting orders of a level in FIFO order (ids), for tests and inspection. */
  levelOrders(side: 'BUY' | 'SELL' | number, price: number): number[] {
    const sd = side === 'BUY' || side === 0 ? 0 : 1;
    const lv = this.levelAt(sd, price);
    const out: number[] = [];
    if (lv < 0) return out;
    for (let m = this.lHead[lv]!; m >= 0; m = this.I[(m << 4) + 12]!) out.push(this.F[m << 3]!);
    return out;
  }

  /** Pending stop order ids in trigger order. */
  pendingStops(): number[] {
    const out: number[] = [];
    for (let s = this.stopHead; s >= 0; s = this.I[(s << 4) + 12]!) out.push(this.F[s << 3]!);
    return out;
  }

  /** Approximate bytes of engine memory per order slot (pool + id index). */
  bytesPerOrderSlot(): number {
    return (64 + 16 + this.idx.byteLength / this.ocap) | 0;
  }

  // =====================================================================================
  // Snapshot / restore
  // =====================================================================================

  snapshot(): EngineSnapshot {
    const rec = (s: number): SnapshotOrder => {
      const m = this.I[(s << 4) + 15]!;
      return [
        this.F[s << 3]!,
        this.F[(s << 3) + 1]!,
        m & M_SIDE,
        (m >> S_TYPE) & 7,
        (m >> S_TIF) & 3,
        this.F[(s << 3) + 2]!,
        this.oStop[s]!,
        this.F[(s << 3) + 3]!,
        this.F[(s << 3) + 3]! - this.F[(s << 3) + 4]!,
        this.F[(s << 3) + 4]!,
        this.F[(s << 3) + 5]!,
        this.oDisp[s]!,
        (m >> S_STP) & 3,
        m & M_POST ? 1 : 0,
      ];
    };
    const side = (sd: number): SnapshotOrder[] => {
      const out: SnapshotOrder[] = [];
      for (const lv of this.sortedLevels(sd)) {
        for (let m = this.lHead[lv]!; m >= 0; m = this.I[(m << 4) + 12]!) out.push(rec(m));
      }
      return out;
    };
    const stops: SnapshotOrder[] = [];
    for (let s = this.stopHead; s >= 0; s = this.I[(s << 4) + 12]!) stops.push(rec(s));
    return {
      version: 1,
      config: { marketProtectionBps: this.marketProtectionBps },
      seq: this.seq,
      lastPrice: this.lastPrice,
      bids: side(0),
      asks: side(1),
      stops,
    };
  }

  static restore(snap: EngineSnapshot, config: EngineConfig = {}): MatchingEngine {
    if (snap.version !== 1) throw new Error(`unsupported snapshot version ${snap.version}`);
    const n = snap.bids.length + snap.asks.length + snap.stops.length;
    const eng = new MatchingEngine({
      ...config,
      marketProtectionBps: snap.config.marketProtectionBps,
      initialOrderCapacity: Math.max(config.initialOrderCapacity ?? 1 << 14, n),
    });
    eng.seq = snap.seq;
    eng.lastPrice = snap.lastPrice;
    const load = (r: SnapshotOrder): number => {
      const s = eng.allocOrder();
      eng.F[s << 3] = r[0];
      eng.F[(s << 3) + 1] = r[1];
      eng.I[(s << 4) + 15] =
        r[2] | (r[3] << S_TYPE) | (r[4] << S_TIF) | (r[12] << S_STP) | (r[13] ? M_POST : 0);
      eng.F[(s << 3) + 2] = r[5];
      eng.oStop[s] = r[6];
      eng.F[(s << 3) + 3] = r[7];
      eng.F[(s << 3) + 4] = r[9];
      eng.F[(s << 3) + 5] = r[10];
      eng.oDisp[s] = r[11];
      return s;
    };
    for (const r of snap.bids) eng.restSilently(load(r));
    for (const r of snap.asks) eng.restSilently(load(r));
    for (const r of snap.stops) {
      const s = load(r);
      eng.I[(s << 4) + 15]! |= ST_PENDING << S_STATE;
      eng.linkStop(s);
      eng.idSet(r[0], s);
    }
    return eng;
  }

  // =====================================================================================
  // Internals: execution
  // =====================================================================================

  private validate(
    orderId: number,
    userId: number,
    side: number,
    type: number,
    tif: number,
    price: number,
    quantity: number,
    stopPrice: number,
    display: number,
    stp: number,
    postOnly: boolean,
    quote: bigint | null,
  ): number {
    if (!isId(orderId)) return RejectCode.INVALID_ORDER_ID;
    if (!isId(userId)) return RejectCode.INVALID_USER_ID;
    if (side !== 0 && side !== 1) return RejectCode.INVALID_SIDE;
    if (!(type >= 0 && type <= 5 && (type | 0) === type)) return RejectCode.INVALID_ORDER_TYPE;
    const market = isMarketType(type);
    if (!market && tif !== 0 && tif !== 1 && tif !== 2) return RejectCode.INVALID_TIME_IN_FORCE;
    if (quote !== null) {
      if (type !== OrderType.MARKET || side !== BUY || quantity !== 0 || quote < 1n) {
        return RejectCode.INVALID_QUOTE_QUANTITY;
      }
    } else if (!Number.isSafeInteger(quantity) || quantity < 1) {
      return RejectCode.INVALID_QUANTITY;
    }
    if (market) {
      if (price !== 0) return RejectCode.INVALID_PRICE;
    } else if (!Number.isSafeInteger(price) || price < 1) return RejectCode.INVALID_PRICE;
    if (type >= OrderType.STOP_LOSS) {
      if (!Number.isSafeInteger(stopPrice) || stopPrice < 1) return RejectCode.INVALID_STOP_PRICE;
    } else if (stopPrice !== 0) return RejectCode.INVALID_STOP_PRICE;
    if (display !== 0) {
      if (
        market ||
        tif !== TimeInForce.GTC ||
        !Number.isSafeInteger(display) ||
        display < 1 ||
        display >= quantity
      ) {
        return RejectCode.INVALID_DISPLAY_QUANTITY;
      }
    }
    if (stp !== 0 && stp !== 1 && stp !== 2 && stp !== 3) return RejectCode.INVALID_STP_MODE;
    if (postOnly && (type !== OrderType.LIMIT || tif !== TimeInForce.GTC)) {
      return RejectCode.INVALID_POST_ONLY;
    }
    if (this.idGet(orderId) >= 0) return RejectCode.DUPLICATE_ORDER_ID;
    if (postOnly && this.crosses(side, price)) return RejectCode.POST_ONLY_WOULD_TAKE;
    return -1;
  }

  private crosses(side: number, price: number): boolean {
    const lv = this.best[side ^ 1]!;
    if (lv < 0) return false;
    const p = this.lPrice[lv]!;
    return side === BUY ? price >= p : price <= p;
  }

  /** Run an incoming (or triggered, or re-entered) order `t` to completion. */
  private execute(t: number): void {
    const meta = this.I[(t << 4) + 15]!;
    const side = meta & M_SIDE;
    const type = (meta >> S_TYPE) & 7;
    const remBefore = this.F[(t << 3) + 4]!;
    if (isMarketType(type)) {
      const bl = this.best[side ^ 1]!;
      if (bl < 0) {
        this.expireTaker(t, ExpireCode.NO_LIQUIDITY);
        return;
      }
      const r = this.match(t, side, this.protectionBound(side, this.lPrice[bl]!), meta & M_QUOTE);
      if (r === R_DONE) {
        this.emitUpdate(t, OrderStatus.FILLED);
        this.freeOrder(t);
      } else if (r === R_QUOTE) {
        if (this.F[(t << 3) + 4]! < MAX_SAFE) {
          this.emitUpdate(t, OrderStatus.FILLED);
          this.freeOrder(t);
        } else this.expireTaker(t, ExpireCode.QUOTE_TOO_SMALL);
      } else {
        this.expireTaker(
          t,
          r === R_PRICE
            ? ExpireCode.MARKET_PROTECTION
            : r === R_EMPTY
              ? ExpireCode.NO_LIQUIDITY
              : r === R_STP_TAKER
                ? ExpireCode.STP_EXPIRE_TAKER
                : ExpireCode.STP_EXPIRE_BOTH,
        );
      }
      return;
    }
    const tif = (meta >> S_TIF) & 3;
    const price = this.F[(t << 3) + 2]!;
    if (tif === TimeInForce.FOK && !this.fokFillable(t, side, price)) {
      this.expireTaker(t, ExpireCode.FOK);
      return;
    }
    const r = this.match(t, side, price, 0);
    if (this.F[(t << 3) + 4] === 0) {
      this.emitUpdate(t, OrderStatus.FILLED);
      this.freeOrder(t);
    } else if (r === R_STP_TAKER) this.expireTaker(t, ExpireCode.STP_EXPIRE_TAKER);
    else if (r === R_STP_BOTH) this.expireTaker(t, ExpireCode.STP_EXPIRE_BOTH);
    else if (tif === TimeInForce.IOC) this.expireTaker(t, ExpireCode.IOC);
    else if (tif === TimeInForce.FOK) this.expireTaker(t, ExpireCode.FOK);
    else {
      if (this.F[(t << 3) + 4]! < remBefore) {
        const rem = this.F[(t << 3) + 4]!;
        const d = this.oDisp[t]!;
        this.F[(t << 3) + 5] = d > 0 && d < rem ? d : rem;
        this.emitUpdate(t, OrderStatus.PARTIALLY_FILLED);
      }
      this.rest(t);
    }
  }

  private protectionBound(side: number, bestPrice: number): number {
    const bps = this.marketProtectionBps;
    if (side === BUY) {
      const v = (BigInt(bestPrice) * BigInt(10000 + bps)) / 10000n;
      return v > BigInt(MAX_SAFE) ? MAX_SAFE : Number(v);
    }
    const num = BigInt(bestPrice) * BigInt(10000 - bps);
    return Number((num + 9999n) / 10000n);
  }

  /** Would a FOK order fill completely (price limit and STP taken into account)? */
  private fokFillable(t: number, side: number, limit: number): boolean {
    const opp = side ^ 1;
    let need = this.F[(t << 3) + 4]!;
    const user = this.F[(t << 3) + 1]!;
    const stp = (this.I[(t << 4) + 15]! >> S_STP) & 3;
    const levels = this.sortedLevels(opp);
    for (const lv of levels) {
      const p = this.lPrice[lv]!;
      if (side === BUY ? p > limit : p < limit) return false;
      let blocked = false;
      let firstPass = 0;
      let all = 0;
      for (let m = this.lHead[lv]!; m >= 0; m = this.I[(m << 4) + 12]!) {
        if (stp !== StpMode.NONE && this.F[(m << 3) + 1] === user) {
          if (stp === StpMode.EXPIRE_MAKER) continue;
          blocked = true;
          break;
        }
        firstPass += this.F[(m << 3) + 5]!;
        all += this.F[(m << 3) + 4]!;
      }
      if (blocked) return firstPass >= need;
      if (all >= need) return true;
      need -= all;
    }
    return false;
  }

  /**
   * Match taker `t` against the opposite side while prices cross `limit`.
   * Returns a R_* code telling why it stopped.
   */
  private match(t: number, side: number, limit: number, quote: number): number {
    const opp = side ^ 1;
    const F = this.F;
    const I = this.I;
    const tId = F[t << 3]!;
    const tUser = F[(t << 3) + 1]!;
    const stp = (this.I[(t << 4) + 15]! >> S_STP) & 3;
    const isBuy = side === BUY;
    let rem = F[(t << 3) + 4]!;
    let code = R_DONE;
    while (rem > 0) {
      const lv = this.best[opp]!;
      if (lv < 0) {
        code = R_EMPTY;
        break;
      }
      const p = this.lPrice[lv]!;
      if (isBuy ? p > limit : p < limit) {
        code = R_PRICE;
        break;
      }
      const pBig = quote ? BigInt(p) : 0n;
      let total = this.lTotal[lv]!;
      let m = this.lHead[lv]!;
      let traded = false;
      let changed = false;
      while (rem > 0 && m >= 0) {
        if (stp !== StpMode.NONE && F[(m << 3) + 1] === tUser) {
          if (stp === StpMode.EXPIRE_TAKER) {
            code = R_STP_TAKER;
            break;
          }
          const next = I[(m << 4) + 12]!;
          changed = true;
          total -= F[(m << 3) + 5]!;
          this.unlink(lv, m);
          this.idDelete(F[m << 3]!);
          this.emitExpired(
            m,
            stp === StpMode.EXPIRE_MAKER ? ExpireCode.STP_EXPIRE_MAKER : ExpireCode.STP_EXPIRE_BOTH,
          );
          this.freeOrder(m);
          if (stp === StpMode.EXPIRE_BOTH) {
            code = R_STP_BOTH;
            break;
          }
          m = next;
          continue;
        }
        let vis = F[(m << 3) + 5]!;
        let q = Math.min(vis, rem);
        if (quote) {
          const aff = this.budget / pBig;
          if (aff < BigInt(q)) q = Number(aff);
          if (q === 0) {
            code = R_QUOTE;
            break;
          }
          this.budget -= pBig * BigInt(q);
        }
        traded = true;
        rem -= q;
        vis -= q;
        total -= q;
        const mRem = F[(m << 3) + 4]! - q;
        F[(m << 3) + 4] = mRem;
        // TRADE
        {
          const b = this.ev(EventType.TRADE);
          const e = this.events;
          e[b + 2] = F[m << 3]!;
          e[b + 3] = F[(m << 3) + 1]!;
          e[b + 4] = tId;
          e[b + 5] = tUser;
          e[b + 6] = p;
          e[b + 7] = q;
          e[b + 8] = side;
          e[b + 9] = 0;
          e[b + 10] = 0;
          e[b + 11] = 0;
        }
        if (vis > 0) {
          F[(m << 3) + 5] = vis;
          this.emitUpdate(m, OrderStatus.PARTIALLY_FILLED);
          if (rem > 0) code = R_QUOTE; // only a quote budget stops short of a maker's slice
          break;
        }
        const next = I[(m << 4) + 12]!;
        if (mRem > 0) {
          // iceberg refresh: new slice to the back of the level
          const d = this.oDisp[m]!;
          const nv = Math.min(d, mRem);
          if (total + nv > MAX_SAFE) {
            F[(m << 3) + 5] = 0;
            this.unlink(lv, m);
            this.idDelete(F[m << 3]!);
            this.emitExpired(m, ExpireCode.LEVEL_CAPACITY);
            this.freeOrder(m);
            m = next;
            continue;
          }
          F[(m << 3) + 5] = nv;
          total += nv;
          this.emitUpdate(m, OrderStatus.PARTIALLY_FILLED);
          if (next >= 0) {
            this.unlink(lv, m);
            this.append(lv, m);
            m = next;
          } else m = this.lHead[lv]!;
        } else {
          F[(m << 3) + 5] = 0;
          this.unlink(lv, m);
          this.idDelete(F[m << 3]!);
          this.emitUpdate(m, OrderStatus.FILLED);
          this.freeOrder(m);
          m = next;
        }
      }
      this.lTotal[lv] = total;
      if (traded) {
        this.lastPrice = p;
        if (p < this.trLo) this.trLo = p;
        if (p > this.trHi) this.trHi = p;
      }
      if (traded || changed) this.levelChanged(opp, lv);
      if (code !== R_DONE) break;
    }
    F[(t << 3) + 4] = rem;
    return code;
  }

  /** Put order `t` (state: taker) on the book. */
  private rest(t: number): void {
    const meta = this.I[(t << 4) + 15]!;
    const side = meta & M_SIDE;
    const p = this.F[(t << 3) + 2]!;
    const rem = this.F[(t << 3) + 4]!;
    const d = this.oDisp[t]!;
    const vis = d > 0 && d < rem ? d : rem;
    this.F[(t << 3) + 5] = vis;
    const k = side === BUY ? p : -p;
    const j = this.ladderFind(side, k);
    let lv: number;
    if (j >= 0 && this.lvK[side]![j] === k) {
      lv = this.lvId[side]![j]!;
      if (this.lTotal[lv]! + vis > MAX_SAFE) {
        this.expireTaker(t, ExpireCode.LEVEL_CAPACITY);
        return;
      }
    } else lv = this.newLevel(side, p, j);
    this.append(lv, t);
    this.lTotal[lv] = this.lTotal[lv]! + vis;
    this.I[(t << 4) + 14] = lv;
    this.I[(t << 4) + 15] = meta | (ST_RESTING << S_STATE);
    this.idSet(this.F[t << 3]!, t);
    this.emitLevel(side, lv);
  }

  /** Rest without events (restore). */
  private restSilently(t: number): void {
    const side = this.I[(t << 4) + 15]! & M_SIDE;
    const p = this.F[(t << 3) + 2]!;
    const k = side === BUY ? p : -p;
    const j = this.ladderFind(side, k);
    const lv =
      j >= 0 && this.lvK[side]![j] === k ? this.lvId[side]![j]! : this.newLevel(side, p, j);
    this.append(lv, t);
    this.lTotal[lv] = this.lTotal[lv]! + this.F[(t << 3) + 5]!;
    this.I[(t << 4) + 14] = lv;
    this.I[(t << 4) + 15]! |= ST_RESTING << S_STATE;
    this.idSet(this.F[t << 3]!, t);
  }

  /** Index of the largest key <= k in a side's ladder, or -1. Scans from the touch first. */
  private ladderFind(side: number, k: number): number {
    const K = this.lvK[side]!;
    let i = this.lvN[side]! - 1;
    const stop = i - 8;
    while (i >= 0 && K[i]! > k) {
      if (i === stop) {
        let lo = 0;
        let hi = i;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (K[mid]! <= k) lo = mid + 1;
          else hi = mid;
        }
        return lo - 1;
      }
      i--;
    }
    return i;
  }

  private levelAt(side: number, p: number): number {
    const k = side === BUY ? p : -p;
    const j = this.ladderFind(side, k);
    return j >= 0 && this.lvK[side]![j] === k ? this.lvId[side]![j]! : -1;
  }

  /** New level at price p, inserted in the ladder after index j (from ladderFind). */
  private newLevel(side: number, p: number, j: number): number {
    let lv = this.lFree;
    if (lv >= 0) this.lFree = this.lHead[lv]!;
    else {
      if (this.lTop === this.lcap) this.growLevels();
      lv = this.lTop++;
    }
    this.lPrice[lv] = p;
    this.lTotal[lv] = 0;
    this.lCount[lv] = 0;
    this.lHead[lv] = -1;
    this.lTail[lv] = -1;
    let K = this.lvK[side]!;
    let ids = this.lvId[side]!;
    const n = this.lvN[side]!;
    if (n === K.length) {
      K = grow64(K, n * 2);
      ids = grow32(ids, n * 2);
      this.lvK[side] = K;
      this.lvId[side] = ids;
    }
    const pos = j + 1;
    if (pos < n) {
      K.copyWithin(pos + 1, pos, n);
      ids.copyWithin(pos + 1, pos, n);
    }
    K[pos] = side === BUY ? p : -p;
    ids[pos] = lv;
    this.lvN[side] = n + 1;
    this.best[side] = ids[n]!;
    return lv;
  }

  /** Emit the level's new state; drop it if empty. */
  private levelChanged(side: number, lv: number): void {
    if (this.lCount[lv] === 0) {
      const p = this.lPrice[lv]!;
      const b = this.ev(EventType.BOOK_LEVEL);
      const e = this.events;
      e[b + 2] = side;
      e[b + 3] = p;
      e[b + 4] = 0;
      e[b + 5] = 0;
      e[b + 6] = 0;
      e[b + 7] = 0;
      e[b + 8] = 0;
      e[b + 9] = 0;
      e[b + 10] = 0;
      e[b + 11] = 0;
      this.removeLevel(side, lv);
    } else this.emitLevel(side, lv);
  }

  private removeLevel(side: number, lv: number): void {
    const n = this.lvN[side]! - 1;
    const ids = this.lvId[side]!;
    if (ids[n] !== lv) {
      const p = this.lPrice[lv]!;
      const j = this.ladderFind(side, side === BUY ? p : -p);
      this.lvK[side]!.copyWithin(j, j + 1, n + 1);
      ids.copyWithin(j, j + 1, n + 1);
    }
    this.lvN[side] = n;
    this.best[side] = n > 0 ? ids[n - 1]! : -1;
    this.lHead[lv] = this.lFree;
    this.lFree = lv;
  }

  /** Level ids of a side, best first. */
  private sortedLevels(side: number): number[] {
    const out: number[] = [];
    const ids = this.lvId[side]!;
    for (let i = this.lvN[side]! - 1; i >= 0; i--) out.push(ids[i]!);
    return out;
  }

  /** Cancel open order in slot s (right after idGet found it, its table position is reused). */
  private cancelSlot(s: number): void {
    const meta = this.I[(s << 4) + 15]!;
    const state = (meta >> S_STATE) & 3;
    if (this.foundEpoch === this.idxEpoch && this.idx[this.foundPos << 1] === s + 1) {
      this.idDeleteAt(this.foundPos);
    } else this.idDelete(this.F[s << 3]!);
    if (state === ST_PENDING) {
      this.unlinkStop(s);
      this.emitUpdate(s, OrderStatus.CANCELED);
      this.freeOrder(s);
      return;
    }
    const lv = this.I[(s << 4) + 14]!;
    this.unlink(lv, s);
    this.lTotal[lv] = this.lTotal[lv]! - this.F[(s << 3) + 5]!;
    this.emitUpdate(s, OrderStatus.CANCELED);
    this.levelChanged(meta & M_SIDE, lv);
    this.freeOrder(s);
  }

  private expireTaker(t: number, reason: number): void {
    this.emitExpired(t, reason);
    this.freeOrder(t);
  }

  // ---- stops ----

  private stopHolds(s: number, lo: number, hi: number): boolean {
    const meta = this.I[(s << 4) + 15]!;
    const type = (meta >> S_TYPE) & 7;
    const sell = (meta & M_SIDE) === 1;
    const sp = this.oStop[s]!;
    const stopLoss = type === OrderType.STOP_LOSS || type === OrderType.STOP_LOSS_LIMIT;
    // STOP_LOSS: SELL when last <= stop, BUY when last >= stop; TAKE_PROFIT: the reverse.
    return stopLoss === sell ? lo <= sp : hi >= sp;
  }

  private emitTriggered(s: number): void {
    const b = this.ev(EventType.STOP_TRIGGERED);
    const e = this.events;
    e[b + 2] = this.F[s << 3]!;
    e[b + 3] = this.F[(s << 3) + 1]!;
    e[b + 4] = this.I[(s << 4) + 15]! & M_SIDE;
    e[b + 5] = this.oStop[s]!;
    e[b + 6] = this.lastPrice;
    e[b + 7] = 0;
    e[b + 8] = 0;
    e[b + 9] = 0;
    e[b + 10] = 0;
    e[b + 11] = 0;
  }

  /**
   * Resolve stop triggers after an execution: every pending stop whose condition was met by
   * any trade of the execution (trade prices within [trLo, trHi]) triggers, in placement order,
   * and is queued; queued orders execute one by one, each possibly triggering more (appended).
   */
  private cascade(): void {
    const q = this.trigQueue;
    let qi = 0;
    for (;;) {
      if (this.trHi > 0 && this.stopCount > 0) {
        const lo = this.trLo;
        const hi = this.trHi;
        let s = this.stopHead;
        while (s >= 0) {
          const next = this.I[(s << 4) + 12]!;
          if (this.stopHolds(s, lo, hi)) {
            this.unlinkStop(s);
            this.idDelete(this.F[s << 3]!);
            this.I[(s << 4) + 15] = this.I[(s << 4) + 15]! & ~(3 << S_STATE);
            this.emitTriggered(s);
            q.push(s);
          }
          s = next;
        }
      }
      this.trLo = Number.POSITIVE_INFINITY;
      this.trHi = 0;
      if (qi >= q.length) break;
      this.execute(q[qi++]!);
    }
    q.length = 0;
  }

  private linkStop(s: number): void {
    const tl = this.stopTail;
    this.I[(s << 4) + 13] = tl;
    this.I[(s << 4) + 12] = -1;
    if (tl >= 0) this.I[(tl << 4) + 12] = s;
    else this.stopHead = s;
    this.stopTail = s;
    this.stopCount++;
  }

  private unlinkStop(s: number): void {
    const p = this.I[(s << 4) + 13]!;
    const n = this.I[(s << 4) + 12]!;
    if (p >= 0) this.I[(p << 4) + 12] = n;
    else this.stopHead = n;
    if (n >= 0) this.I[(n << 4) + 13] = p;
    else this.stopTail = p;
    this.stopCount--;
  }

  // ---- intrusive level queue ----

  private append(lv: number, m: number): void {
    const tl = this.lTail[lv]!;
    this.I[(m << 4) + 13] = tl;
    this.I[(m << 4) + 12] = -1;
    if (tl >= 0) this.I[(tl << 4) + 12] = m;
    else this.lHead[lv] = m;
    this.lTail[lv] = m;
    this.lCount[lv] = this.lCount[lv]! + 1;
  }

  private unlink(lv: number, m: number): void {
    const p = this.I[(m << 4) + 13]!;
    const n = this.I[(m << 4) + 12]!;
    if (p >= 0) this.I[(p << 4) + 12] = n;
    else this.lHead[lv] = n;
    if (n >= 0) this.I[(n << 4) + 13] = p;
    else this.lTail[lv] = p;
    this.lCount[lv] = this.lCount[lv]! - 1;
  }

  // ---- id index ----

  private idGet(k: number): number {
    const idx = this.idx;
    const F = this.F;
    const mask = this.idxMask;
    const h = Math.imul((k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x85ebca6b), 0x9e3779b1);
    let i = h >>> this.idxShift;
    for (;;) {
      const e = idx[i << 1]!;
      if (e === 0) {
        this.hintPos = i;
        this.hintKey = k;
        this.hintHash = h;
        this.hintEpoch = this.idxEpoch;
        return -1;
      }
      if (idx[(i << 1) + 1] === h && F[(e - 1) << 3] === k) {
        this.foundPos = i;
        this.foundEpoch = this.idxEpoch;
        return e - 1;
      }
      i = (i + 1) & mask;
    }
  }

  /** Insert (the id must not be present). */
  private idSet(k: number, slot: number): void {
    if ((this.idxSize + 1) * 2 > this.idxMask + 1) this.idGrow();
    const idx = this.idx;
    let i: number;
    let h: number;
    if (k === this.hintKey && this.hintEpoch === this.idxEpoch) {
      // nothing changed since the duplicate check probed for this id: reuse its position
      i = this.hintPos;
      h = this.hintHash;
    } else {
      const mask = this.idxMask;
      h = Math.imul((k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x85ebca6b), 0x9e3779b1);
      i = h >>> this.idxShift;
      while (idx[i << 1] !== 0) i = (i + 1) & mask;
    }
    idx[i << 1] = slot + 1;
    idx[(i << 1) + 1] = h;
    this.idxSize++;
    this.idxEpoch++;
  }

  private idDelete(k: number): void {
    const idx = this.idx;
    const F = this.F;
    const mask = this.idxMask;
    const shift = this.idxShift;
    const h = Math.imul((k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x85ebca6b), 0x9e3779b1);
    let i = h >>> shift;
    for (;;) {
      const e = idx[i << 1]!;
      if (e === 0) return;
      if (idx[(i << 1) + 1] === h && F[(e - 1) << 3] === k) break;
      i = (i + 1) & mask;
    }
    this.idDeleteAt(i);
  }

  /** Remove the entry at table position i (backward-shift deletion). */
  private idDeleteAt(i: number): void {
    const idx = this.idx;
    const mask = this.idxMask;
    const shift = this.idxShift;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = idx[j << 1]!;
      if (e === 0) break;
      const home = idx[(j << 1) + 1]! >>> shift;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        idx[i << 1] = e;
        idx[(i << 1) + 1] = idx[(j << 1) + 1]!;
        i = j;
      }
    }
    idx[i << 1] = 0;
    this.idxSize--;
    this.idxEpoch++;
  }

  private idGrow(): void {
    const old = this.idx;
    const cap = (this.idxMask + 1) * 2;
    this.idxEpoch++;
    this.idx = new Int32Array(cap * 2);
    this.idxMask = cap - 1;
    this.idxShift = 32 - Math.log2(cap);
    const idx = this.idx;
    const mask = this.idxMask;
    for (let o = 0; o < old.length; o += 2) {
      const e = old[o]!;
      if (e === 0) continue;
      const h = old[o + 1]!;
      let i = h >>> this.idxShift;
      while (idx[i << 1] !== 0) i = (i + 1) & mask;
      idx[i << 1] = e;
      idx[(i << 1) + 1] = h;
    }
  }

  // ---- pools ----

  private allocOrder(): number {
    const s = this.oFree;
    if (s >= 0) {
      this.oFree = this.I[(s << 4) + 12]!;
      return s;
    }
    if (this.oTop === this.ocap) this.growOrders();
    return this.oTop++;
  }

  private freeOrder(s: number): void {
    this.I[(s << 4) + 15] = 0;
    this.I[(s << 4) + 12] = this.oFree;
    this.oFree = s;
  }

  private growOrders(): void {
    const n = this.ocap * 2;
    const buf = new ArrayBuffer(n * 64);
    const f = new Float64Array(buf);
    f.set(this.F);
    this.F = f;
    this.I = new Int32Array(buf);
    this.oDisp = grow64(this.oDisp, n);
    this.oStop = grow64(this.oStop, n);
    this.ocap = n;
  }

  private growLevels(): void {
    const n = this.lcap * 2;
    this.lPrice = grow64(this.lPrice, n);
    this.lTotal = grow64(this.lTotal, n);
    this.lCount = grow32(this.lCount, n);
    this.lHead = grow32(this.lHead, n);
    this.lTail = grow32(this.lTail, n);
    this.lcap = n;
  }

  // ---- events ----

  private ev(type: number): number {
    const n = this.eventCount;
    const b = n * EVENT_STRIDE;
    if (b + EVENT_STRIDE > this.events.length)
      this.events = grow64(this.events, this.events.length * 2);
    const e = this.events;
    e[b] = type;
    e[b + 1] = ++this.seq;
    this.eventCount = n + 1;
    return b;
  }

  private emitReject(orderId: number, userId: number, cmd: number, reason: number): void {
    const b = this.ev(EventType.REJECTED);
    const e = this.events;
    e[b + 2] = num(orderId);
    e[b + 3] = num(userId);
    e[b + 4] = cmd;
    e[b + 5] = reason;
    e[b + 6] = 0;
    e[b + 7] = 0;
    e[b + 8] = 0;
    e[b + 9] = 0;
    e[b + 10] = 0;
    e[b + 11] = 0;
  }

  private emitUpdate(s: number, status: number): void {
    const b = this.ev(EventType.ORDER_UPDATED);
    const e = this.events;
    const meta = this.I[(s << 4) + 15]!;
    e[b + 2] = this.F[s << 3]!;
    e[b + 3] = this.F[(s << 3) + 1]!;
    e[b + 4] = meta & M_SIDE;
    e[b + 5] = status;
    e[b + 6] = this.F[(s << 3) + 2]!;
    e[b + 7] = meta & M_QUOTE ? 0 : this.F[(s << 3) + 3]!;
    e[b + 8] = this.F[(s << 3) + 3]! - this.F[(s << 3) + 4]!;
    e[b + 9] = meta & M_QUOTE || status === OrderStatus.FILLED ? 0 : this.F[(s << 3) + 4]!;
    e[b + 10] =
      meta & M_QUOTE || status === OrderStatus.FILLED || status === OrderStatus.CANCELED
        ? 0
        : this.F[(s << 3) + 5]!;
    e[b + 11] = 0;
  }

  private emitExpired(s: number, reason: number): void {
    const b = this.ev(EventType.EXPIRED);
    const e = this.events;
    const meta = this.I[(s << 4) + 15]!;
    e[b + 2] = this.F[s << 3]!;
    e[b + 3] = this.F[(s << 3) + 1]!;
    e[b + 4] = meta & M_SIDE;
    e[b + 5] = reason;
    e[b + 6] = this.F[(s << 3) + 2]!;
    e[b + 7] = meta & M_QUOTE ? 0 : this.F[(s << 3) + 3]!;
    e[b + 8] = this.F[(s << 3) + 3]! - this.F[(s << 3) + 4]!;
    e[b + 9] = meta & M_QUOTE ? 0 : this.F[(s << 3) + 4]!;
    e[b + 10] = 0;
    e[b + 11] = 0;
  }

  private emitLevel(side: number, lv: number): void {
    const b = this.ev(EventType.BOOK_LEVEL);
    const e = this.events;
    e[b + 2] = side;
    e[b + 3] = this.lPrice[lv]!;
    e[b + 4] = this.lTotal[lv]!;
    e[b + 5] = this.lCount[lv]!;
    e[b + 6] = 0;
    e[b + 7] = 0;
    e[b + 8] = 0;
    e[b + 9] = 0;
    e[b + 10] = 0;
    e[b + 11] = 0;
  }

  private view(s: number): OrderView {
    const m = this.I[(s << 4) + 15]!;
    return {
      orderId: this.F[s << 3]!,
      userId: this.F[(s << 3) + 1]!,
      side: SIDE_NAMES[m & M_SIDE]!,
      type: ORDER_TYPE_NAMES[(m >> S_TYPE) & 7]!,
      timeInForce: TIF_NAMES[(m >> S_TIF) & 3]!,
      price: this.F[(s << 3) + 2]!,
      stopPrice: this.oStop[s]!,
      quantity: this.F[(s << 3) + 3]!,
      filled: this.F[(s << 3) + 3]! - this.F[(s << 3) + 4]!,
      remaining: this.F[(s << 3) + 4]!,
      visible: this.F[(s << 3) + 5]!,
      displayQuantity: this.oDisp[s]!,
      stp: STP_NAMES[(m >> S_STP) & 3]!,
      postOnly: (m & M_POST) !== 0,
      state: ((m >> S_STATE) & 3) === ST_PENDING ? 'PENDING_TRIGGER' : 'RESTING',
    };
  }
}
