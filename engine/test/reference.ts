/**
 * A deliberately naive reference matcher, written only for the tests: plain objects, linear
 * scans and sorting everywhere, no pools, no indexes. It follows the documented semantics
 * (docs/engine.md) independently of the optimised engine, and emits decoded events.
 */
import type { EngineEvent } from '../src/core/events.ts';
import type { Command, PlaceOrder } from '../src/core/types.ts';

type Side = 'BUY' | 'SELL';
interface Ord {
  orderId: number;
  userId: number;
  side: Side;
  type: string;
  tif: string;
  price: number;
  stopPrice: number;
  quantity: number;
  filled: number;
  remaining: number;
  visible: number;
  display: number;
  stp: string;
  postOnly: boolean;
  quote: bigint | null;
  ts: number;
}

const MAX = Number.MAX_SAFE_INTEGER;
const isId = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
const isMarket = (t: string) => t === 'MARKET' || t === 'STOP_LOSS' || t === 'TAKE_PROFIT';
const TYPES = [
  'LIMIT',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
];

export class ReferenceMatcher {
  seq = 0;
  lastPrice = 0;
  book: Ord[] = [];
  stops: Ord[] = [];
  ts = 0;
  out: EngineEvent[] = [];
  lo = Number.POSITIVE_INFINITY;
  hi = 0;
  budget = 0n;

  constructor(readonly bps = 500) {}

  private emit(e: Record<string, unknown>): void {
    this.out.push({ seq: ++this.seq, ...e } as unknown as EngineEvent);
  }

  run(cmd: Command): EngineEvent[] {
    this.out = [];
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = 0;
    if (cmd.kind === 'place') this.place(cmd);
    else if (cmd.kind === 'cancel') this.cancel(cmd.orderId, cmd.userId);
    else if (cmd.kind === 'amend') this.amend(cmd.orderId, cmd.quantity, cmd.price, cmd.userId);
    else this.cancelAll(cmd.userId);
    return this.out;
  }

  // ---- queries ----
  level(side: Side, price: number): Ord[] {
    return this.book
      .filter((o) => o.side === side && o.price === price)
      .sort((a, b) => a.ts - b.ts);
  }
  prices(side: Side): number[] {
    const ps = [...new Set(this.book.filter((o) => o.side === side).map((o) => o.price))];
    return ps.sort((a, b) => (side === 'BUY' ? b - a : a - b));
  }
  depth(side: Side) {
    return this.prices(side).map((p) => {
      const l = this.level(side, p);
      return { price: p, quantity: l.reduce((s, o) => s + o.visible, 0), orderCount: l.length };
    });
  }
  find(id: number): Ord | undefined {
    return this.book.find((o) => o.orderId === id) ?? this.stops.find((o) => o.orderId === id);
  }

  // ---- events ----
  private upd(o: Ord, status: string) {
    const quote = o.quote !== null;
    this.emit({
      type: 'ORDER_UPDATED',
      orderId: o.orderId,
      userId: o.userId,
      side: o.side,
      status,
      price: o.price,
      quantity: o.quantity,
      filled: o.filled,
      remaining: quote || status === 'FILLED' ? 0 : o.remaining,
      visible: quote || status === 'FILLED' || status === 'CANCELED' ? 0 : o.visible,
    });
  }
  private expired(o: Ord, reason: string) {
    this.emit({
      type: 'EXPIRED',
      orderId: o.orderId,
      userId: o.userId,
      side: o.side,
      reason,
      price: o.price,
      quantity: o.quantity,
      filled: o.filled,
      remaining: o.quote !== null ? 0 : o.remaining,
    });
  }
  private lvl(side: Side, price: number) {
    const l = this.level(side, price);
    this.emit({
      type: 'BOOK_LEVEL',
      side,
      price,
      quantity: l.reduce((s, o) => s + o.visible, 0),
      orderCount: l.length,
    });
  }
  private reject(command: string, orderId: unknown, userId: unknown, reason: string) {
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
    this.emit({ type: 'REJECTED', command, orderId: n(orderId), userId: n(userId), reason });
  }

  private crosses(side: Side, price: number): boolean {
    const opp = this.prices(side === 'BUY' ? 'SELL' : 'BUY');
    if (opp.length === 0) return false;
    return side === 'BUY' ? price >= opp[0]! : price <= opp[0]!;
  }

  private validate(c: PlaceOrder): string | null {
    if (!isId(c.orderId)) return 'INVALID_ORDER_ID';
    if (!isId(c.userId)) return 'INVALID_USER_ID';
    if (c.side !== 'BUY' && c.side !== 'SELL') return 'INVALID_SIDE';
    const type = c.type ?? 'LIMIT';
    if (!TYPES.includes(type)) return 'INVALID_ORDER_TYPE';
    const market = isMarket(type);
    const tif = c.timeInForce ?? (market ? 'IOC' : 'GTC');
    if (!market && !['GTC', 'IOC', 'FOK'].includes(tif)) return 'INVALID_TIME_IN_FORCE';
    if (c.quoteQuantity !== undefined) {
      if (type !== 'MARKET' || c.side !== 'BUY' || (c.quantity ?? 0) !== 0 || c.quoteQuantity < 1n)
        return 'INVALID_QUOTE_QUANTITY';
    } else if (!Number.isSafeInteger(c.quantity) || (c.quantity as number) < 1)
      return 'INVALID_QUANTITY';
    const price = c.price ?? 0;
    if (market) {
      if (price !== 0) return 'INVALID_PRICE';
    } else if (!Number.isSafeInteger(price) || price < 1) return 'INVALID_PRICE';
    const sp = c.stopPrice ?? 0;
    if (type.startsWith('STOP') || type.startsWith('TAKE')) {
      if (!Number.isSafeInteger(sp) || sp < 1) return 'INVALID_STOP_PRICE';
    } else if (sp !== 0) return 'INVALID_STOP_PRICE';
    const d = c.displayQuantity ?? 0;
    if (d !== 0) {
      if (market || tif !== 'GTC' || !Number.isSafeInteger(d) || d < 1 || d >= (c.quantity ?? 0))
        return 'INVALID_DISPLAY_QUANTITY';
    }
    if (!['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'].includes(c.stp ?? 'NONE'))
      return 'INVALID_STP_MODE';
    if (c.postOnly && (type !== 'LIMIT' || tif !== 'GTC')) return 'INVALID_POST_ONLY';
    if (this.find(c.orderId)) return 'DUPLICATE_ORDER_ID';
    if (c.postOnly && this.crosses(c.side, price)) return 'POST_ONLY_WOULD_TAKE';
    return null;
  }

  private place(c: PlaceOrder): void {
    const r = this.validate(c);
    if (r) {
      this.reject('PLACE', c.orderId, c.userId, r);
      return;
    }
    const type = c.type ?? 'LIMIT';
    const market = isMarket(type);
    const quote = c.quoteQuantity ?? null;
    const qty = quote !== null ? 0 : (c.quantity as number);
    const o: Ord = {
      orderId: c.orderId,
      userId: c.userId,
      side: c.side,
      type,
      tif: market ? 'IOC' : (c.timeInForce ?? 'GTC'),
      price: market ? 0 : (c.price as number),
      stopPrice: c.stopPrice ?? 0,
      quantity: qty,
      filled: 0,
      remaining: quote !== null ? MAX : qty,
      visible: 0,
      display: c.displayQuantity ?? 0,
      stp: c.stp ?? 'NONE',
      postOnly: c.postOnly === true,
      quote,
      ts: 0,
    };
    const ev: Record<string, unknown> = {
      type: 'ACCEPTED',
      orderId: o.orderId,
      userId: o.userId,
      side: o.side,
      orderType: type,
      timeInForce: o.tif,
      price: o.price,
      quantity: qty,
      stopPrice: o.stopPrice,
      displayQuantity: o.display,
      postOnly: o.postOnly,
      stp: o.stp,
    };
    if (quote !== null) ev.quoteQuantity = quote;
    this.emit(ev);
    if (quote !== null) this.budget = quote;
    if (type !== 'LIMIT' && type !== 'MARKET') {
      if (this.lastPrice > 0 && this.holds(o, this.lastPrice, this.lastPrice)) {
        this.triggered(o);
        this.execute(o);
      } else {
        this.stops.push(o);
        return;
      }
    } else this.execute(o);
    if (this.stops.length > 0) this.cascade();
  }

  private holds(o: Ord, lo: number, hi: number): boolean {
    const stopLoss = o.type.startsWith('STOP');
    const sell = o.side === 'SELL';
    return stopLoss === sell ? lo <= o.stopPrice : hi >= o.stopPrice;
  }
  private triggered(o: Ord) {
    this.emit({
      type: 'STOP_TRIGGERED',
      orderId: o.orderId,
      userId: o.userId,
      side: o.side,
      stopPrice: o.stopPrice,
      lastPrice: this.lastPrice,
    });
  }

  private cascade(): void {
    const q: Ord[] = [];
    for (;;) {
      if (this.hi > 0 && this.stops.length > 0) {
        const [lo, hi] = [this.lo, this.hi];
        for (const s of [...this.stops]) {
          if (this.holds(s, lo, hi)) {
            this.stops.splice(this.stops.indexOf(s), 1);
            this.triggered(s);
            q.push(s);
          }
        }
      }
      this.lo = Number.POSITIVE_INFINITY;
      this.hi = 0;
      const next = q.shift();
      if (!next) break;
      this.execute(next);
    }
  }

  private execute(o: Ord): void {
    const opp: Side = o.side === 'BUY' ? 'SELL' : 'BUY';
    const filledBefore = o.filled;
    if (isMarket(o.type)) {
      const bp = this.prices(opp)[0];
      if (bp === undefined) {
        this.expired(o, 'NO_LIQUIDITY');
        return;
      }
      const bps = BigInt(this.bps);
      const bound =
        o.side === 'BUY'
          ? Number((BigInt(bp) * (10000n + bps)) / 10000n)
          : Number((BigInt(bp) * (10000n - bps) + 9999n) / 10000n);
      const r = this.match(o, bound);
      if (r === 'DONE') this.upd(o, 'FILLED');
      else if (r === 'QUOTE') {
        if (o.filled > 0) this.upd(o, 'FILLED');
        else this.expired(o, 'QUOTE_TOO_SMALL');
      } else
        this.expired(o, r === 'PRICE' ? 'MARKET_PROTECTION' : r === 'EMPTY' ? 'NO_LIQUIDITY' : r);
      return;
    }
    if (o.tif === 'FOK' && !this.fok(o)) {
      this.expired(o, 'FOK');
      return;
    }
    const r = this.match(o, o.price);
    if (o.remaining === 0) this.upd(o, 'FILLED');
    else if (r === 'STP_EXPIRE_TAKER' || r === 'STP_EXPIRE_BOTH') this.expired(o, r);
    else if (o.tif === 'IOC') this.expired(o, 'IOC');
    else if (o.tif === 'FOK') this.expired(o, 'FOK');
    else {
      o.visible = o.display > 0 && o.display < o.remaining ? o.display : o.remaining;
      if (o.filled > filledBefore) this.upd(o, 'PARTIALLY_FILLED');
      const l = this.level(o.side, o.price);
      if (l.length > 0 && l.reduce((s, x) => s + x.visible, 0) + o.visible > MAX) {
        this.expired(o, 'LEVEL_CAPACITY');
        return;
      }
      o.ts = ++this.ts;
      this.book.push(o);
      this.lvl(o.side, o.price);
    }
  }

  private fok(o: Ord): boolean {
    const opp: Side = o.side === 'BUY' ? 'SELL' : 'BUY';
    let need = o.remaining;
    for (const p of this.prices(opp)) {
      if (o.side === 'BUY' ? p > o.price : p < o.price) return false;
      let first = 0;
      let all = 0;
      for (const m of this.level(opp, p)) {
        if (o.stp !== 'NONE' && m.userId === o.userId) {
          if (o.stp === 'EXPIRE_MAKER') continue;
          return first >= need;
        }
        first += m.visible;
        all += m.remaining;
      }
      if (all >= need) return true;
      need -= all;
    }
    return false;
  }

  private remove(m: Ord) {
    this.book.splice(this.book.indexOf(m), 1);
  }

  private match(o: Ord, limit: number): string {
    const opp: Side = o.side === 'BUY' ? 'SELL' : 'BUY';
    while (o.remaining > 0) {
      const p = this.prices(opp)[0];
      if (p === undefined) return 'EMPTY';
      if (o.side === 'BUY' ? p > limit : p < limit) return 'PRICE';
      let code = 'DONE';
      let changed = false;
      while (o.remaining > 0) {
        const m = this.level(opp, p)[0];
        if (!m) break;
        if (o.stp !== 'NONE' && m.userId === o.userId) {
          if (o.stp === 'EXPIRE_TAKER') {
            code = 'STP_EXPIRE_TAKER';
            break;
          }
          changed = true;
          this.remove(m);
          this.expired(m, o.stp === 'EXPIRE_MAKER' ? 'STP_EXPIRE_MAKER' : 'STP_EXPIRE_BOTH');
          if (o.stp === 'EXPIRE_BOTH') {
            code = 'STP_EXPIRE_BOTH';
            break;
          }
          continue;
        }
        let q = Math.min(m.visible, o.remaining);
        if (o.quote !== null) {
          const aff = this.budget / BigInt(p);
          if (aff < BigInt(q)) q = Number(aff);
          if (q === 0) {
            code = 'QUOTE';
            break;
          }
          this.budget -= BigInt(p) * BigInt(q);
        }
        changed = true;
        o.remaining -= q;
        o.filled += q;
        m.visible -= q;
        m.remaining -= q;
        m.filled += q;
        this.lastPrice = p;
        this.lo = Math.min(this.lo, p);
        this.hi = Math.max(this.hi, p);
        this.emit({
          type: 'TRADE',
          price: p,
          quantity: q,
          takerSide: o.side,
          makerOrderId: m.orderId,
          makerUserId: m.userId,
          takerOrderId: o.orderId,
          takerUserId: o.userId,
        });
        if (m.visible > 0) {
          this.upd(m, 'PARTIALLY_FILLED');
          if (o.remaining > 0) code = 'QUOTE';
          break;
        }
        if (m.remaining > 0) {
          const total = this.level(opp, p).reduce((s, x) => s + x.visible, 0);
          const nv = Math.min(m.display, m.remaining);
          if (total + nv > MAX) {
            this.remove(m);
            this.expired(m, 'LEVEL_CAPACITY');
            continue;
          }
          m.visible = nv;
          m.ts = ++this.ts;
          this.upd(m, 'PARTIALLY_FILLED');
        } else {
          this.remove(m);
          this.upd(m, 'FILLED');
        }
      }
      if (changed) this.lvl(opp, p);
      if (code !== 'DONE') return code;
    }
    return 'DONE';
  }

  private cancel(orderId: number, userId?: number): void {
    const o = isId(orderId) ? this.find(orderId) : undefined;
    if (!o || (userId !== undefined && o.userId !== userId)) {
      this.reject('CANCEL', orderId, userId ?? 0, 'UNKNOWN_ORDER');
      return;
    }
    this.cancelOrd(o);
  }

  private cancelOrd(o: Ord) {
    if (this.stops.includes(o)) {
      this.stops.splice(this.stops.indexOf(o), 1);
      this.upd(o, 'CANCELED');
      return;
    }
    this.remove(o);
    this.upd(o, 'CANCELED');
    this.lvl(o.side, o.price);
  }

  private cancelAll(userId: number): void {
    if (!isId(userId)) {
      this.reject('CANCEL_ALL', 0, userId, 'INVALID_USER_ID');
      return;
    }
    const mine = [...this.book, ...this.stops]
      .filter((o) => o.userId === userId)
      .sort((a, b) => a.orderId - b.orderId);
    for (const o of mine) this.cancelOrd(o);
  }

  private amend(orderId: number, quantity: number, price?: number, userId?: number): void {
    const o = isId(orderId) ? this.find(orderId) : undefined;
    if (!o || (userId !== undefined && o.userId !== userId)) {
      this.reject('AMEND', orderId, userId ?? 0, 'UNKNOWN_ORDER');
      return;
    }
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity <= o.filled) {
      this.reject('AMEND', orderId, o.userId, 'INVALID_QUANTITY');
      return;
    }
    let newPrice = o.price;
    if (price !== undefined) {
      if (isMarket(o.type) || !Number.isSafeInteger(price) || price < 1) {
        this.reject('AMEND', orderId, o.userId, 'INVALID_PRICE');
        return;
      }
      newPrice = price;
    }
    if (this.stops.includes(o)) {
      o.quantity = quantity;
      o.remaining = quantity;
      o.visible = o.display > 0 && o.display < quantity ? o.display : quantity;
      o.price = newPrice;
      this.upd(o, 'PENDING_TRIGGER');
      return;
    }
    const status = o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
    if (newPrice === o.price && quantity <= o.quantity) {
      o.quantity = quantity;
      o.remaining = quantity - o.filled;
      if (o.visible > o.remaining) o.visible = o.remaining;
      this.upd(o, status);
      this.lvl(o.side, o.price);
      return;
    }
    if (o.postOnly && this.crosses(o.side, newPrice)) {
      this.reject('AMEND', orderId, o.userId, 'POST_ONLY_WOULD_TAKE');
      return;
    }
    const oldPrice = o.price;
    this.remove(o);
    o.price = newPrice;
    o.quantity = quantity;
    o.remaining = quantity - o.filled;
    o.visible = o.display > 0 && o.display < o.remaining ? o.display : o.remaining;
    this.upd(o, status);
    this.lvl(o.side, oldPrice);
    this.execute(o);
    if (this.stops.length > 0) this.cascade();
  }
}
