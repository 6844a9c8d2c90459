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
import { KeyHeap, NumTable } from './tables.ts';
import type {
  DepthLevel,
  EngineConfig,
  EngineSnapshot,
  OrderView,
  SnapshotOrder,
} from './types.ts';

// oMeta bit layout
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
  private oId: Float64Array;
  private oUser: Float64Array;
  private oPrice: Float64Array;
  private oQty: Float64Array;
  private oFilled: Float64Array;
  private oRem: Float64Array;
  private oVis: Float64Array;
  private oDisp: Float64Array;
  private oStop: Float64Array;
  private oNext: Int32Array;
  private oPrev: Int32Array;
  private oLevel: Int32Array;
  private oMeta: Int32Array;
  private ids: NumTable;

  // ---- price levels ----
  private lcap = 256;
  private lTop = 0;
  private lFree = -1;
  private lPrice: Float64Array = new Float64Array(256);
  private lTotal: Float64Array = new Float64Array(256);
  private lCount: Int32Array = new Int32Array(256);
  private lHead: Int32Array = new Int32Array(256);
  private lTail: Int32Array = new Int32Array(256);
  private readonly prices: [NumTable, NumTable] = [new NumTable(256), new NumTable(256)];
  private readonly heaps: [KeyHeap, KeyHeap] = [new KeyHeap(), new KeyHeap()];
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
    this.oId = new Float64Array(cap);
    this.oUser = new Float64Array(cap);
    this.oPrice = new Float64Array(cap);
    this.oQty = new Float64Array(cap);
    this.oFilled = new Float64Array(cap);
    this.oRem = new Float64Array(cap);
    this.oVis = new Float64Array(cap);
    this.oDisp = new Float64Array(cap);
    this.oStop = new Float64Array(cap);
    this.oNext = new Int32Array(cap);
    this.oPrev = new Int32Array(cap);
    this.oLevel = new Int32Array(cap);
    this.oMeta = new Int32Array(cap);
    this.ids = new NumTable(cap * 2);
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
    this.oId[t] = orderId;
    this.oUser[t] = userId;
    this.oPrice[t] = market ? 0 : price;
    this.oStop[t] = stopPrice;
    this.oFilled[t] = 0;
    const isQuote = quote !== null;
    const qty = isQuote ? 0 : quantity;
    this.oQty[t] = qty;
    this.oRem[t] = isQuote ? MAX_SAFE : qty;
    this.oDisp[t] = display;
    this.oVis[t] = display > 0 ? display : qty;
    this.oMeta[t] =
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
        this.oMeta[t] |= ST_PENDING << S_STATE;
        this.linkStop(t);
        this.ids.set(orderId, t);
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
    const s = isId(orderId) ? this.ids.get(orderId) : -1;
    if (s < 0 || (userId !== undefined && this.oUser[s] !== userId)) {
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
    const meta = this.oMeta;
    for (let s = 0; s < this.oTop; s++) {
      if ((meta[s]! >> S_STATE) & 3 && this.oUser[s] === userId) found.push(s);
    }
    found.sort((a, b) => this.oId[a]! - this.oId[b]!);
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
    const s = isId(orderId) ? this.ids.get(orderId) : -1;
    if (s < 0 || (userId !== undefined && this.oUser[s] !== userId)) {
      this.emitReject(orderId, num(userId), CommandKind.AMEND, RejectCode.UNKNOWN_ORDER);
      return;
    }
    const meta = this.oMeta[s]!;
    const type = (meta >> S_TYPE) & 7;
    const uid = this.oUser[s]!;
    const filled = this.oFilled[s]!;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity <= filled) {
      this.emitReject(orderId, uid, CommandKind.AMEND, RejectCode.INVALID_QUANTITY);
      return;
    }
    const disp = this.oDisp[s]!;
    if (disp > 0 && quantity - filled <= 0) {
      this.emitReject(orderId, uid, CommandKind.AMEND, RejectCode.INVALID_QUANTITY);
      return;
    }
    let newPrice = this.oPrice[s]!;
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
      this.oQty[s] = quantity;
      this.oRem[s] = quantity;
      this.oVis[s] = disp > 0 && disp < quantity ? disp : quantity;
      this.oPrice[s] = newPrice;
      this.emitUpdate(s, OrderStatus.PENDING_TRIGGER);
      return;
    }
    const lv = this.oLevel[s]!;
    const status = filled > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW;
    if (newPrice === this.oPrice[s] && quantity <= this.oQty[s]!) {
      // in place, keeps priority
      const rem = quantity - filled;
      this.oQty[s] = quantity;
      this.oRem[s] = rem;
      const vis = this.oVis[s]!;
      if (vis > rem) {
        this.lTotal[lv] = this.lTotal[lv]! - (vis - rem);
        this.oVis[s] = rem;
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
    this.lTotal[lv] = this.lTotal[lv]! - this.oVis[s]!;
    this.ids.delete(orderId);
    this.oMeta[s] = meta & ~(3 << S_STATE);
    const rem = quantity - filled;
    this.oPrice[s] = newPrice;
    this.oQty[s] = quantity;
    this.oRem[s] = rem;
    this.oVis[s] = disp > 0 && disp < rem ? disp : rem;
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
    return this.ids.size;
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
    const s = isId(orderId) ? this.ids.get(orderId) : -1;
    return s < 0 ? null : this.view(s);
  }

  /** Resting orders of a level in FIFO order (ids), for tests and inspection. */
  levelOrders(side: 'BUY' | 'SELL' | number, price: number): number[] {
    const sd = side === 'BUY' || side === 0 ? 0 : 1;
    const lv = this.prices[sd]!.get(price);
    const out: number[] = [];
    if (lv < 0) return out;
    for (let m = this.lHead[lv]!; m >= 0; m = this.oNext[m]!) out.push(this.oId[m]!);
    return out;
  }

  /** Pending stop order ids in trigger order. */
  pendingStops(): number[] {
    const out: number[] = [];
    for (let s = this.stopHead; s >= 0; s = this.oNext[s]!) out.push(this.oId[s]!);
    return out;
  }

  /** Approximate bytes of engine memory per order slot (pool + id index). */
  bytesPerOrderSlot(): number {
    return (9 * 8 + 4 * 4 + this.ids.bytes() / this.ocap) | 0;
  }

  // =====================================================================================
  // Snapshot / restore
  // =====================================================================================

  snapshot(): EngineSnapshot {
    const rec = (s: number): SnapshotOrder => {
      const m = this.oMeta[s]!;
      return [
        this.oId[s]!,
        this.oUser[s]!,
        m & M_SIDE,
        (m >> S_TYPE) & 7,
        (m >> S_TIF) & 3,
        this.oPrice[s]!,
        this.oStop[s]!,
        this.oQty[s]!,
        this.oFilled[s]!,
        this.oRem[s]!,
        this.oVis[s]!,
        this.oDisp[s]!,
        (m >> S_STP) & 3,
        m & M_POST ? 1 : 0,
      ];
    };
    const side = (sd: number): SnapshotOrder[] => {
      const out: SnapshotOrder[] = [];
      for (const lv of this.sortedLevels(sd)) {
        for (let m = this.lHead[lv]!; m >= 0; m = this.oNext[m]!) out.push(rec(m));
      }
      return out;
    };
    const stops: SnapshotOrder[] = [];
    for (let s = this.stopHead; s >= 0; s = this.oNext[s]!) stops.push(rec(s));
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
      eng.oId[s] = r[0];
      eng.oUser[s] = r[1];
      eng.oMeta[s] =
        r[2] | (r[3] << S_TYPE) | (r[4] << S_TIF) | (r[12] << S_STP) | (r[13] ? M_POST : 0);
      eng.oPrice[s] = r[5];
      eng.oStop[s] = r[6];
      eng.oQty[s] = r[7];
      eng.oFilled[s] = r[8];
      eng.oRem[s] = r[9];
      eng.oVis[s] = r[10];
      eng.oDisp[s] = r[11];
      return s;
    };
    for (const r of snap.bids) eng.restSilently(load(r));
    for (const r of snap.asks) eng.restSilently(load(r));
    for (const r of snap.stops) {
      const s = load(r);
      eng.oMeta[s]! |= ST_PENDING << S_STATE;
      eng.linkStop(s);
      eng.ids.set(r[0], s);
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
    if (this.ids.get(orderId) >= 0) return RejectCode.DUPLICATE_ORDER_ID;
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
    const meta = this.oMeta[t]!;
    const side = meta & M_SIDE;
    const type = (meta >> S_TYPE) & 7;
    const filledBefore = this.oFilled[t]!;
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
        if (this.oFilled[t]! > 0) {
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
    const price = this.oPrice[t]!;
    if (tif === TimeInForce.FOK && !this.fokFillable(t, side, price)) {
      this.expireTaker(t, ExpireCode.FOK);
      return;
    }
    const r = this.match(t, side, price, 0);
    if (this.oRem[t] === 0) {
      this.emitUpdate(t, OrderStatus.FILLED);
      this.freeOrder(t);
    } else if (r === R_STP_TAKER) this.expireTaker(t, ExpireCode.STP_EXPIRE_TAKER);
    else if (r === R_STP_BOTH) this.expireTaker(t, ExpireCode.STP_EXPIRE_BOTH);
    else if (tif === TimeInForce.IOC) this.expireTaker(t, ExpireCode.IOC);
    else if (tif === TimeInForce.FOK) this.expireTaker(t, ExpireCode.FOK);
    else {
      if (this.oFilled[t]! > filledBefore) {
        const rem = this.oRem[t]!;
        const d = this.oDisp[t]!;
        this.oVis[t] = d > 0 && d < rem ? d : rem;
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
    let need = this.oRem[t]!;
    const user = this.oUser[t]!;
    const stp = (this.oMeta[t]! >> S_STP) & 3;
    const levels = this.sortedLevels(opp);
    for (const lv of levels) {
      const p = this.lPrice[lv]!;
      if (side === BUY ? p > limit : p < limit) return false;
      let blocked = false;
      let firstPass = 0;
      let all = 0;
      for (let m = this.lHead[lv]!; m >= 0; m = this.oNext[m]!) {
        if (stp !== StpMode.NONE && this.oUser[m] === user) {
          if (stp === StpMode.EXPIRE_MAKER) continue;
          blocked = true;
          break;
        }
        firstPass += this.oVis[m]!;
        all += this.oRem[m]!;
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
    const oUser = this.oUser;
    const oVis = this.oVis;
    const oRem = this.oRem;
    const oFilled = this.oFilled;
    const oNext = this.oNext;
    const oId = this.oId;
    const tId = oId[t]!;
    const tUser = oUser[t]!;
    const stp = (this.oMeta[t]! >> S_STP) & 3;
    const isBuy = side === BUY;
    let rem = oRem[t]!;
    let filled = oFilled[t]!;
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
        if (stp !== StpMode.NONE && oUser[m] === tUser) {
          if (stp === StpMode.EXPIRE_TAKER) {
            code = R_STP_TAKER;
            break;
          }
          const next = oNext[m]!;
          changed = true;
          total -= oVis[m]!;
          this.unlink(lv, m);
          this.ids.delete(oId[m]!);
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
        let vis = oVis[m]!;
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
        filled += q;
        vis -= q;
        total -= q;
        const mRem = oRem[m]! - q;
        oRem[m] = mRem;
        oFilled[m] = oFilled[m]! + q;
        // TRADE
        {
          const b = this.ev(EventType.TRADE);
          const e = this.events;
          e[b + 2] = oId[m]!;
          e[b + 3] = oUser[m]!;
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
          oVis[m] = vis;
          this.emitUpdate(m, OrderStatus.PARTIALLY_FILLED);
          if (rem > 0) code = R_QUOTE; // only a quote budget stops short of a maker's slice
          break;
        }
        const next = oNext[m]!;
        if (mRem > 0) {
          // iceberg refresh: new slice to the back of the level
          const d = this.oDisp[m]!;
          const nv = Math.min(d, mRem);
          if (total + nv > MAX_SAFE) {
            oVis[m] = 0;
            this.unlink(lv, m);
            this.ids.delete(oId[m]!);
            this.emitExpired(m, ExpireCode.LEVEL_CAPACITY);
            this.freeOrder(m);
            m = next;
            continue;
          }
          oVis[m] = nv;
          total += nv;
          this.emitUpdate(m, OrderStatus.PARTIALLY_FILLED);
          if (next >= 0) {
            this.unlink(lv, m);
            this.append(lv, m);
            m = next;
          } else m = this.lHead[lv]!;
        } else {
          oVis[m] = 0;
          this.unlink(lv, m);
          this.ids.delete(oId[m]!);
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
    oRem[t] = rem;
    oFilled[t] = filled;
    return code;
  }

  /** Put order `t` (state: taker) on the book. */
  private rest(t: number): void {
    const meta = this.oMeta[t]!;
    const side = meta & M_SIDE;
    const p = this.oPrice[t]!;
    const rem = this.oRem[t]!;
    const d = this.oDisp[t]!;
    const vis = d > 0 && d < rem ? d : rem;
    this.oVis[t] = vis;
    let lv = this.prices[side]!.get(p);
    if (lv >= 0 && this.lTotal[lv]! + vis > MAX_SAFE) {
      this.expireTaker(t, ExpireCode.LEVEL_CAPACITY);
      return;
    }
    if (lv < 0) lv = this.newLevel(side, p);
    this.append(lv, t);
    this.lTotal[lv] = this.lTotal[lv]! + vis;
    this.oLevel[t] = lv;
    this.oMeta[t] = meta | (ST_RESTING << S_STATE);
    this.ids.set(this.oId[t]!, t);
    this.emitLevel(side, lv);
  }

  /** Rest without events (restore). */
  private restSilently(t: number): void {
    const side = this.oMeta[t]! & M_SIDE;
    const p = this.oPrice[t]!;
    let lv = this.prices[side]!.get(p);
    if (lv < 0) lv = this.newLevel(side, p);
    this.append(lv, t);
    this.lTotal[lv] = this.lTotal[lv]! + this.oVis[t]!;
    this.oLevel[t] = lv;
    this.oMeta[t]! |= ST_RESTING << S_STATE;
    this.ids.set(this.oId[t]!, t);
  }

  private newLevel(side: number, p: number): number {
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
    const tbl = this.prices[side]!;
    tbl.set(p, lv);
    const h = this.heaps[side]!;
    if (h.size > 2 * tbl.size + 64) {
      h.clear();
      tbl.forEach((price) => {
        h.push(side === BUY ? -price : price);
      });
    } else h.push(side === BUY ? -p : p);
    const b = this.best[side]!;
    if (b < 0 || (side === BUY ? p > this.lPrice[b]! : p < this.lPrice[b]!)) this.best[side] = lv;
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
    const tbl = this.prices[side]!;
    tbl.delete(this.lPrice[lv]!);
    this.lHead[lv] = this.lFree;
    this.lFree = lv;
    if (this.best[side] === lv) {
      const h = this.heaps[side]!;
      let nb = -1;
      while (h.size > 0) {
        const k = h.top();
        const l2 = tbl.get(side === BUY ? -k : k);
        if (l2 >= 0) {
          nb = l2;
          break;
        }
        h.pop();
      }
      this.best[side] = nb;
    }
  }

  private sortedLevels(side: number): number[] {
    const out: number[] = [];
    this.prices[side]!.forEach((_p, lv) => {
      out.push(lv);
    });
    const lp = this.lPrice;
    if (side === BUY) out.sort((a, b) => lp[b]! - lp[a]!);
    else out.sort((a, b) => lp[a]! - lp[b]!);
    return out;
  }

  private cancelSlot(s: number): void {
    const meta = this.oMeta[s]!;
    const state = (meta >> S_STATE) & 3;
    this.ids.delete(this.oId[s]!);
    if (state === ST_PENDING) {
      this.unlinkStop(s);
      this.emitUpdate(s, OrderStatus.CANCELED);
      this.freeOrder(s);
      return;
    }
    const lv = this.oLevel[s]!;
    this.unlink(lv, s);
    this.lTotal[lv] = this.lTotal[lv]! - this.oVis[s]!;
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
    const meta = this.oMeta[s]!;
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
    e[b + 2] = this.oId[s]!;
    e[b + 3] = this.oUser[s]!;
    e[b + 4] = this.oMeta[s]! & M_SIDE;
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
          const next = this.oNext[s]!;
          if (this.stopHolds(s, lo, hi)) {
            this.unlinkStop(s);
            this.ids.delete(this.oId[s]!);
            this.oMeta[s] = this.oMeta[s]! & ~(3 << S_STATE);
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
    this.oPrev[s] = tl;
    this.oNext[s] = -1;
    if (tl >= 0) this.oNext[tl] = s;
    else this.stopHead = s;
    this.stopTail = s;
    this.stopCount++;
  }

  private unlinkStop(s: number): void {
    const p = this.oPrev[s]!;
    const n = this.oNext[s]!;
    if (p >= 0) this.oNext[p] = n;
    else this.stopHead = n;
    if (n >= 0) this.oPrev[n] = p;
    else this.stopTail = p;
    this.stopCount--;
  }

  // ---- intrusive level queue ----

  private append(lv: number, m: number): void {
    const tl = this.lTail[lv]!;
    this.oPrev[m] = tl;
    this.oNext[m] = -1;
    if (tl >= 0) this.oNext[tl] = m;
    else this.lHead[lv] = m;
    this.lTail[lv] = m;
    this.lCount[lv] = this.lCount[lv]! + 1;
  }

  private unlink(lv: number, m: number): void {
    const p = this.oPrev[m]!;
    const n = this.oNext[m]!;
    if (p >= 0) this.oNext[p] = n;
    else this.lHead[lv] = n;
    if (n >= 0) this.oPrev[n] = p;
    else this.lTail[lv] = p;
    this.lCount[lv] = this.lCount[lv]! - 1;
  }

  // ---- pools ----

  private allocOrder(): number {
    const s = this.oFree;
    if (s >= 0) {
      this.oFree = this.oNext[s]!;
      return s;
    }
    if (this.oTop === this.ocap) this.growOrders();
    return this.oTop++;
  }

  private freeOrder(s: number): void {
    this.oMeta[s] = 0;
    this.oNext[s] = this.oFree;
    this.oFree = s;
  }

  private growOrders(): void {
    const n = this.ocap * 2;
    this.oId = grow64(this.oId, n);
    this.oUser = grow64(this.oUser, n);
    this.oPrice = grow64(this.oPrice, n);
    this.oQty = grow64(this.oQty, n);
    this.oFilled = grow64(this.oFilled, n);
    this.oRem = grow64(this.oRem, n);
    this.oVis = grow64(this.oVis, n);
    this.oDisp = grow64(this.oDisp, n);
    this.oStop = grow64(this.oStop, n);
    this.oNext = grow32(this.oNext, n);
    this.oPrev = grow32(this.oPrev, n);
    this.oLevel = grow32(this.oLevel, n);
    this.oMeta = grow32(this.oMeta, n);
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
    const meta = this.oMeta[s]!;
    e[b + 2] = this.oId[s]!;
    e[b + 3] = this.oUser[s]!;
    e[b + 4] = meta & M_SIDE;
    e[b + 5] = status;
    e[b + 6] = this.oPrice[s]!;
    e[b + 7] = this.oQty[s]!;
    e[b + 8] = this.oFilled[s]!;
    e[b + 9] = meta & M_QUOTE || status === OrderStatus.FILLED ? 0 : this.oRem[s]!;
    e[b + 10] =
      meta & M_QUOTE || status === OrderStatus.FILLED || status === OrderStatus.CANCELED
        ? 0
        : this.oVis[s]!;
    e[b + 11] = 0;
  }

  private emitExpired(s: number, reason: number): void {
    const b = this.ev(EventType.EXPIRED);
    const e = this.events;
    const meta = this.oMeta[s]!;
    e[b + 2] = this.oId[s]!;
    e[b + 3] = this.oUser[s]!;
    e[b + 4] = meta & M_SIDE;
    e[b + 5] = reason;
    e[b + 6] = this.oPrice[s]!;
    e[b + 7] = this.oQty[s]!;
    e[b + 8] = this.oFilled[s]!;
    e[b + 9] = meta & M_QUOTE ? 0 : this.oRem[s]!;
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
    const m = this.oMeta[s]!;
    return {
      orderId: this.oId[s]!,
      userId: this.oUser[s]!,
      side: SIDE_NAMES[m & M_SIDE]!,
      type: ORDER_TYPE_NAMES[(m >> S_TYPE) & 7]!,
      timeInForce: TIF_NAMES[(m >> S_TIF) & 3]!,
      price: this.oPrice[s]!,
      stopPrice: this.oStop[s]!,
      quantity: this.oQty[s]!,
      filled: this.oFilled[s]!,
      remaining: this.oRem[s]!,
      visible: this.oVis[s]!,
      displayQuantity: this.oDisp[s]!,
      stp: STP_NAMES[(m >> S_STP) & 3]!,
      postOnly: (m & M_POST) !== 0,
      state: ((m >> S_STATE) & 3) === ST_PENDING ? 'PENDING_TRIGGER' : 'RESTING',
    };
  }
}
