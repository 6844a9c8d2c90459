// Intake, as the trading subgraph uses it: the order, its funds hold (ledger HOLD journal +
// balance) and the EngineCommand are recorded in ONE transaction before the engine hears of
// it; then the command goes over the bus and the engine's post-match answer is awaited. A
// timeout is not a failure: the command is durable and will be processed; order(id) tells.
import { randomUUID } from 'node:crypto';
import { type BalanceEvent, type Bus, channels, engineQueue } from '@flowex/bus';
import {
  type Db,
  type Order,
  type OrderSide,
  type OrderType,
  type SelfTradePrevention,
  sqlPool,
  type TimeInForce,
} from '@flowex/db';
import { failed, RefreshingCache, type Tracing } from '@flowex/server';
import {
  findMarketInfo,
  fromAtoms,
  type MarketInfo,
  toAtoms,
  UnitsError,
} from '../service/units.ts';
import { CancelBatcher } from './cancel-batch.ts';
import { PlaceBatcher, type PlaceRow, type PlaceValues } from './place-batch.ts';
import type {
  AmendCommand,
  CancelAllCommand,
  CancelCommand,
  CommandReply,
  EngineCommandMessage,
  OrderStateView,
  PlaceCommand,
} from './protocol.ts';

/**
 * Where the request that sends a command is in its trace: the command carries `traceparent`
 * (stored with it, continued by the engine), and with `tracing` the durable record gets a
 * span of its own (`record order`, …), child of the same context.
 */
export interface IntakeTrace {
  traceparent?: string;
  tracing?: Tracing;
}

/** Runs the durable record of a command, in a span when the request is traced. */
async function recording<T>(trace: IntakeTrace, name: string, record: () => Promise<T>) {
  const span = trace.tracing?.start(name, trace.traceparent);
  try {
    return await record();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span?.end();
  }
}

export interface SubmitOrderInput extends IntakeTrace {
  userId: string;
  marketSymbol: string;
  side: OrderSide;
  type?: OrderType;
  timeInForce?: TimeInForce;
  price?: string;
  stopPrice?: string;
  quantity?: string;
  /** MARKET BUY only: spend this much quote instead of buying `quantity`. */
  quoteQuantity?: string;
  displayQuantity?: string;
  postOnly?: boolean;
  selfTradePrevention?: SelfTradePrevention;
  clientOrderId?: string;
  /**
   * Market-like BUY by quantity only: the quote to hold, quantity × the worst price its
   * protection band allows (best ask at submission, or the stop price, + marketProtectionBps,
   * rounded up to the tick). Ignored otherwise (the hold follows from the order).
   */
  hold?: string;
  /** Refuse (TOO_MANY_OPEN_ORDERS) when the user already has this many open orders here. */
  maxOpenOrders?: number;
  /**
   * Refuse (PRICE_OUT_OF_BAND) a price or stop price more than this many percent from the
   * last trade price, checked in the same statement that records the order.
   */
  priceBandPercent?: string;
  /** How long to wait for the engine's answer. Default 5000 ms. */
  timeoutMs?: number;
}

export interface SubmitResult {
  order: OrderStateView;
  /**
   * The engine's answer; absent when none came in time or the bus failed (`timedOut`): the
   * order is recorded anyway and will be processed; `order` is then its committed state.
   */
  reply?: CommandReply;
  timedOut: boolean;
  /** PLACE only: when the order was recorded. */
  createdAt?: Date;
}

export type IntakeErrorCode =
  | 'UNKNOWN_MARKET'
  | 'MARKET_HALTED'
  | 'INVALID_ORDER'
  | 'INSUFFICIENT_FUNDS'
  | 'DUPLICATE_CLIENT_ORDER_ID'
  | 'TOO_MANY_OPEN_ORDERS'
  | 'ORDER_CLOSED'
  | 'PRICE_OUT_OF_BAND'
  | 'UNKNOWN_ORDER';

export class IntakeError extends Error {
  override name = 'IntakeError';
  constructor(
    readonly code: IntakeErrorCode,
    message: string,
    /** ORDER_CLOSED: the order's final status. */
    readonly status?: string,
    /** PRICE_OUT_OF_BAND: the last trade price the band is around. */
    readonly lastPrice?: string,
  ) {
    // An expected refusal, turned into a DomainError by the caller: no stack to capture.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
  }
}

const marketCaches = new WeakMap<Db, RefreshingCache<string, MarketInfo>>();

/** The market's rules, cached 10 s (its status is checked by the intake statement itself). */
async function market(db: Db, symbol: string): Promise<MarketInfo> {
  let cache = marketCaches.get(db);
  if (!cache) {
    cache = new RefreshingCache((s) => findMarketInfo(db, s), 10_000);
    marketCaches.set(db, cache);
  }
  const info = await cache.get(symbol);
  if (!info) throw new IntakeError('UNKNOWN_MARKET', `unknown market ${symbol}`);
  return info;
}

const LIMIT_TYPES = new Set<OrderType>(['LIMIT', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT']);

interface Checked {
  price?: bigint;
  stopPrice?: bigint;
  quantity?: bigint;
  quoteQuantity?: bigint;
  displayQuantity?: bigint;
}

/**
 * The engine's invariants only: decimal → atoms, tick/lot multiples (the core works in
 * integer ticks and lots), which amount fields a type takes. The user-facing rules
 * (minimums, bands, halts, field messages) belong to the trading domain, which runs them
 * before calling the intake.
 */
function check(input: SubmitOrderInput, m: MarketInfo, type: OrderType): Checked {
  const u = m.units;
  const out: Checked = {};
  try {
    if (input.price !== undefined) out.price = toAtoms(input.price);
    if (input.stopPrice !== undefined) out.stopPrice = toAtoms(input.stopPrice);
    if (input.quantity !== undefined) out.quantity = toAtoms(input.quantity);
    if (input.quoteQuantity !== undefined) out.quoteQuantity = toAtoms(input.quoteQuantity);
    if (input.displayQuantity !== undefined) out.displayQuantity = toAtoms(input.displayQuantity);
    if (out.price !== undefined) u.ticks(out.price);
    if (out.stopPrice !== undefined) u.ticks(out.stopPrice);
    if (out.quantity !== undefined) u.lots(out.quantity);
    if (out.displayQuantity !== undefined) u.lots(out.displayQuantity);
    if (out.quoteQuantity !== undefined && u.quoteBudget(out.quoteQuantity) < 1n) {
      throw new UnitsError('quoteQuantity buys less than one tick × lot');
    }
  } catch (error) {
    if (error instanceof UnitsError || error instanceof RangeError) {
      throw new IntakeError('INVALID_ORDER', error.message);
    }
    throw error;
  }
  if (LIMIT_TYPES.has(type) !== (out.price !== undefined)) {
    throw new IntakeError(
      'INVALID_ORDER',
      `${type} ${LIMIT_TYPES.has(type) ? 'needs' : 'takes no'} price`,
    );
  }
  if ((out.quantity === undefined) === (out.quoteQuantity === undefined)) {
    throw new IntakeError('INVALID_ORDER', 'give exactly one of quantity and quoteQuantity');
  }
  if (out.quoteQuantity !== undefined && (type !== 'MARKET' || input.side !== 'BUY')) {
    throw new IntakeError('INVALID_ORDER', 'quoteQuantity is for MARKET BUY orders only');
  }
  return out;
}

/**
 * What the order holds (atoms): a SELL its base quantity, a limit-priced BUY price ×
 * quantity, a MARKET BUY by quote its quote amount. A market-like BUY by quantity (MARKET,
 * STOP_LOSS, TAKE_PROFIT) costs what its protection band allows at most: the caller computes
 * that (it knows the book) and passes it as `hold`; the engine never spends more.
 */
function holdOf(input: SubmitOrderInput, c: Checked): bigint {
  if (input.side === 'SELL') return c.quantity!;
  if (c.price !== undefined) return (c.price * c.quantity!) / 10n ** 18n;
  if (c.quoteQuantity !== undefined) return c.quoteQuantity;
  let hold: bigint;
  try {
    hold = input.hold === undefined ? -1n : toAtoms(input.hold);
  } catch {
    hold = -1n;
  }
  if (hold < 0n) {
    throw new IntakeError('INVALID_ORDER', 'a market BUY by quantity needs the hold to place');
  }
  return hold;
}

/**
 * Intake of a new order as ONE call (one round trip, one transaction) of
 * `flowex_place_order` (migration 20261201220900_intake_functions): it serialises the user's
 * intake (an advisory lock, so that the open-order limit counts every order committed
 * before), then checks user and market, the open-order limit and the price band, holds the
 * funds, and inserts the order, its HOLD journal and the EngineCommand. Each insert only
 * happens when the step before it produced a row, so a refusal changes nothing. Returns what
 * to tell the caller when nothing was inserted.
 */
const PLACE_SQL = `SELECT * FROM flowex_place_order($1::uuid, $2, $3, $4, $5, $6, $7::boolean, $8,
  $9::numeric, $10::numeric, $11::numeric, $12::numeric, $13::numeric, $14, $15::numeric,
  $16::jsonb, $17, $18::int, $19::uuid, $20::numeric)`;

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { code?: unknown }; message?: unknown };
  return (
    e.code === 'P2002' ||
    e.code === '23505' ||
    e.meta?.code === '23505' ||
    (typeof e.message === 'string' && /23505|unique constraint/i.test(e.message))
  );
}

const batchers = new WeakMap<Db, PlaceBatcher>();

/** One batcher per client: orders recorded at the same time share a statement. */
function placeBatcher(db: Db): PlaceBatcher {
  let batcher = batchers.get(db);
  if (!batcher) {
    const pool = sqlPool(db);
    // Alone: a named prepared statement, parsed and planned once per connection.
    const placeOne = async (values: PlaceValues) =>
      (await pool.query<PlaceRow>({ name: 'intake_place', text: PLACE_SQL, values })).rows[0]!;
    batcher = new PlaceBatcher(pool, placeOne);
    batchers.set(db, batcher);
  }
  return batcher;
}

const cancelBatchers = new WeakMap<Db, CancelBatcher>();

/** One per client, as for orders: cancels recorded at the same time share a statement. */
function cancelBatcher(db: Db): CancelBatcher {
  let batcher = cancelBatchers.get(db);
  if (!batcher) {
    batcher = new CancelBatcher(sqlPool(db));
    cancelBatchers.set(db, batcher);
  }
  return batcher;
}

/** Record the order with its hold and queue it for the engine; await the engine's answer. */
export async function submitOrder(
  db: Db,
  bus: Bus,
  input: SubmitOrderInput,
): Promise<SubmitResult> {
  const m = await market(db, input.marketSymbol);
  const type = input.type ?? 'LIMIT';
  const c = check(input, m, type);
  const hold = holdOf(input, c);
  const holdAsset = input.side === 'BUY' ? m.quoteAsset : m.baseAsset;
  const timeInForce: TimeInForce = LIMIT_TYPES.has(type) ? (input.timeInForce ?? 'GTC') : 'IOC';
  const stp = input.selfTradePrevention ?? 'EXPIRE_TAKER';
  const postOnly = input.postOnly ?? false;

  // The command without what the statement adds (orderId, accountNo, createdAt).
  const payload: Omit<PlaceCommand, 'orderId' | 'accountNo'> = {
    kind: 'PLACE',
    userId: input.userId,
    side: input.side,
    type,
    timeInForce,
    postOnly,
    selfTradePrevention: stp,
    hold: fromAtoms(hold),
  };
  if (c.price !== undefined) payload.price = fromAtoms(c.price);
  if (c.stopPrice !== undefined) payload.stopPrice = fromAtoms(c.stopPrice);
  if (c.quantity !== undefined) payload.quantity = fromAtoms(c.quantity);
  if (c.quoteQuantity !== undefined) payload.quoteQuantity = fromAtoms(c.quoteQuantity);
  if (c.displayQuantity !== undefined) payload.displayQuantity = fromAtoms(c.displayQuantity);
  if (input.clientOrderId !== undefined) payload.clientOrderId = input.clientOrderId;

  let row: PlaceRow;
  try {
    row = await recording(input, 'record order', () =>
      placeBatcher(db).place([
        input.userId,
        m.symbol,
        input.clientOrderId ?? null,
        input.side,
        type,
        timeInForce,
        postOnly,
        stp,
        opt(c.price),
        opt(c.stopPrice),
        opt(c.quantity),
        opt(c.quoteQuantity),
        opt(c.displayQuantity),
        holdAsset,
        fromAtoms(hold),
        JSON.stringify(payload),
        input.traceparent ?? null,
        input.maxOpenOrders ?? null,
        randomUUID(),
        input.priceBandPercent ?? null,
      ]),
    );
  } catch (error) {
    if (input.clientOrderId !== undefined && isUniqueViolation(error)) {
      throw new IntakeError('DUPLICATE_CLIENT_ORDER_ID', 'clientOrderId already used');
    }
    throw error;
  }
  if (row.orderId === null || row.commandId === null || row.accountNo === null) {
    if (row.accountNo === null) throw new IntakeError('INVALID_ORDER', 'unknown user');
    if (row.marketStatus === null) {
      throw new IntakeError('UNKNOWN_MARKET', `unknown market ${input.marketSymbol}`);
    }
    if (row.marketStatus !== 'TRADING') {
      throw new IntakeError('MARKET_HALTED', `Market ${m.symbol} is halted.`);
    }
    if (!row.inBand) {
      throw new IntakeError(
        'PRICE_OUT_OF_BAND',
        `more than ${input.priceBandPercent}% from the last price ${row.lastPrice}`,
        undefined,
        row.lastPrice ?? undefined,
      );
    }
    if (input.maxOpenOrders !== undefined && (row.open ?? 0) >= input.maxOpenOrders) {
      throw new IntakeError(
        'TOO_MANY_OPEN_ORDERS',
        `At most ${input.maxOpenOrders} open orders per market.`,
      );
    }
    throw new IntakeError('INSUFFICIENT_FUNDS', `not enough ${holdAsset} available`);
  }
  if (row.available !== null && row.locked !== null) {
    publishBalance(bus, {
      userId: input.userId,
      asset: holdAsset,
      available: fromAtoms(toAtoms(row.available)),
      locked: fromAtoms(toAtoms(row.locked)),
    });
  }
  const createdAt = row.createdAt ? new Date(row.createdAt) : new Date();
  const body: PlaceCommand = {
    ...payload,
    orderId: row.orderId,
    accountNo: row.accountNo,
    createdAt: createdAt.toISOString(),
  };
  const msg: EngineCommandMessage = {
    commandId: row.commandId,
    marketSymbol: m.symbol,
    body,
  };
  if (input.traceparent) msg.traceparent = input.traceparent;
  const result = await send(db, bus, msg, input);
  result.createdAt = createdAt;
  return result;
}

export interface CancelOrderInput extends IntakeTrace {
  userId: string;
  orderId: string;
  timeoutMs?: number;
}

/**
 * Queue a cancel (durably: the caller's own order, never another user's, and a command only
 * while it is open; ./cancel-batch.ts) and await the engine's answer.
 */
export async function cancelOrder(
  db: Db,
  bus: Bus,
  input: CancelOrderInput,
): Promise<SubmitResult> {
  if (!/^[1-9]\d{0,18}$/.test(input.orderId)) {
    throw new IntakeError('UNKNOWN_ORDER', `unknown order ${input.orderId}`);
  }
  const row = await recording(input, 'record cancel', () =>
    cancelBatcher(db).cancel([input.orderId, input.userId, input.traceparent ?? null]),
  );
  if (!row.status || !row.marketSymbol || row.accountNo === null) {
    throw new IntakeError('UNKNOWN_ORDER', `unknown order ${input.orderId}`);
  }
  if (!row.commandId) {
    throw new IntakeError('ORDER_CLOSED', `order ${input.orderId} is ${row.status}`, row.status);
  }
  const body: CancelCommand = {
    kind: 'CANCEL',
    orderId: input.orderId,
    userId: input.userId,
    accountNo: row.accountNo,
  };
  const msg: EngineCommandMessage = {
    commandId: row.commandId,
    marketSymbol: row.marketSymbol,
    body,
  };
  if (input.traceparent) msg.traceparent = input.traceparent;
  return send(db, bus, msg, input);
}

async function send(
  db: Db,
  bus: Bus,
  msg: EngineCommandMessage,
  options: { timeoutMs?: number },
): Promise<SubmitResult> {
  if (msg.body.kind === 'CANCEL_ALL') throw new Error('send: for commands about one order');
  const orderId = msg.body.orderId;
  const reply = await request(bus, msg, options);
  const order = reply?.order ?? (await orderView(db, orderId));
  return reply ? { order, reply, timedOut: false } : { order, timedOut: true };
}

/**
 * The engine's answer, or undefined when none came: the command is durable whatever
 * happened to its answer (timeout, engine stopping or failing over, bus down); it will be
 * processed, and the orders show the truth.
 */
async function request(
  bus: Bus,
  msg: EngineCommandMessage,
  options: { timeoutMs?: number },
): Promise<CommandReply | undefined> {
  try {
    return await bus.request<CommandReply>(engineQueue(msg.marketSymbol), msg, {
      timeoutMs: options.timeoutMs ?? 5000,
      ...(msg.traceparent ? { traceparent: msg.traceparent } : {}),
    });
  } catch {
    return undefined;
  }
}

export interface AmendOrderInput extends IntakeTrace {
  userId: string;
  orderId: string;
  /** New total quantity (must stay above what is already filled). */
  quantity: string;
  /** New limit price; omitted = unchanged. */
  price?: string;
  timeoutMs?: number;
}

const AMENDABLE = new Set(['ACCEPTED', 'NEW', 'PARTIALLY_FILLED', 'PENDING_TRIGGER']);

/**
 * Queue an amend. A BUY whose new price × remaining quantity (or a SELL whose remaining
 * quantity) exceeds its hold gets the difference held now, in the same transaction; the
 * engine gives back whatever turns out not to be needed.
 */
export async function amendOrder(db: Db, bus: Bus, input: AmendOrderInput): Promise<SubmitResult> {
  const message = await recording(input, 'record amend', () => amendRecord(db, input));
  if (message.balance) publishBalance(bus, message.balance);
  return send(db, bus, message.msg, input);
}

/** The amend's durable record: its command, and the extra hold a larger order needs. */
function amendRecord(db: Db, input: AmendOrderInput) {
  return db.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { id: BigInt(input.orderId) } });
    if (!order || order.userId !== input.userId || !AMENDABLE.has(order.status)) {
      throw new IntakeError('UNKNOWN_ORDER', `no open order ${input.orderId}`);
    }
    const { accountNo } = await tx.user.findUniqueOrThrow({
      where: { id: order.userId },
      select: { accountNo: true },
    });
    const m = await market(db, order.marketSymbol);
    let quantity: bigint;
    let price: bigint | null;
    try {
      quantity = toAtoms(input.quantity);
      m.units.lots(quantity);
      price =
        input.price === undefined
          ? order.price === null
            ? null
            : toAtoms(order.price)
          : toAtoms(input.price);
      if (input.price !== undefined) {
        if (!LIMIT_TYPES.has(order.type))
          throw new IntakeError('INVALID_ORDER', `${order.type} has no price`);
        m.units.ticks(price!);
      }
    } catch (error) {
      if (error instanceof UnitsError || error instanceof RangeError) {
        throw new IntakeError('INVALID_ORDER', error.message);
      }
      throw error;
    }
    const remaining = quantity - toAtoms(order.filledQuantity);
    if (remaining <= 0n)
      throw new IntakeError('INVALID_ORDER', 'quantity must exceed the filled quantity');
    const required =
      order.side === 'SELL' ? remaining : price === null ? 0n : (price * remaining) / 10n ** 18n;
    const extra = required - toAtoms(order.holdRemaining);
    const balance =
      extra > 0n
        ? await holdFunds(tx, {
            userId: input.userId,
            asset: order.holdAsset,
            amount: extra,
            orderId: order.id,
          })
        : null;
    const body: AmendCommand = {
      kind: 'AMEND',
      orderId: input.orderId,
      userId: input.userId,
      accountNo,
      quantity: fromAtoms(quantity),
      extraHold: fromAtoms(extra > 0n ? extra : 0n),
      holdAsset: order.holdAsset,
    };
    if (input.price !== undefined) body.price = fromAtoms(price!);
    const msg = await queueCommand(tx, {
      marketSymbol: order.marketSymbol,
      kind: 'AMEND',
      orderId: order.id,
      userId: input.userId,
      body,
      traceparent: input.traceparent,
    });
    return { msg, balance };
  });
}

export interface CancelAllInput extends IntakeTrace {
  userId: string;
  marketSymbol: string;
  timeoutMs?: number;
}

/** Queue a cancel of every open order of the user in a market; await the engine's answer. */
export async function cancelAllOrders(
  db: Db,
  bus: Bus,
  input: CancelAllInput,
): Promise<{ reply?: CommandReply; timedOut: boolean }> {
  const m = await market(db, input.marketSymbol);
  const message = await recording(input, 'record cancel-all', () =>
    db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({
        where: { id: input.userId },
        select: { accountNo: true },
      });
      if (!user) throw new IntakeError('INVALID_ORDER', 'unknown user');
      const body: CancelAllCommand = {
        kind: 'CANCEL_ALL',
        userId: input.userId,
        accountNo: user.accountNo,
      };
      const msg = await queueCommand(tx, {
        marketSymbol: m.symbol,
        kind: 'CANCEL_ALL',
        userId: input.userId,
        body,
        traceparent: input.traceparent,
      });
      return msg;
    }),
  );
  const reply = await request(bus, message, input);
  return reply ? { reply, timedOut: false } : { timedOut: true };
}

/** The committed state of an order (what order(id) shows). */
export async function orderView(db: Db, orderId: string): Promise<OrderStateView> {
  return storedOrderState(await db.order.findUniqueOrThrow({ where: { id: BigInt(orderId) } }));
}

/** An order row as the state a reply carries. */
export function storedOrderState(row: Order): OrderStateView {
  const v: OrderStateView = {
    id: String(row.id),
    userId: row.userId,
    marketSymbol: row.marketSymbol,
    side: row.side,
    status: row.status,
    filledQuantity: fromAtoms(toAtoms(row.filledQuantity)),
    filledQuoteQuantity: fromAtoms(toAtoms(row.filledQuoteQuantity)),
    holdRemaining: fromAtoms(toAtoms(row.holdRemaining)),
  };
  if (row.rejectReason) v.rejectReason = row.rejectReason;
  return v;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * Moves `amount` of `asset` from available to locked for an order, with its HOLD journal,
 * or refuses with INSUFFICIENT_FUNDS; the conditional UPDATE is what makes concurrent
 * intakes safe. Returns the balance as it now stands, for myBalances.
 */
async function holdFunds(
  tx: Tx,
  hold: { userId: string; asset: string; amount: bigint; orderId: bigint },
): Promise<BalanceEvent> {
  const amount = fromAtoms(hold.amount);
  const rows = await tx.$queryRawUnsafe<{ available: string; locked: string }[]>(
    `UPDATE "Balance" SET available = available - $3::numeric, locked = locked + $3::numeric,
            "updatedAt" = now()
      WHERE "userId" = $1::uuid AND "assetCode" = $2 AND available >= $3::numeric
      RETURNING available::text AS available, locked::text AS locked`,
    hold.userId,
    hold.asset,
    amount,
  );
  const row = rows[0];
  if (!row) throw new IntakeError('INSUFFICIENT_FUNDS', `not enough ${hold.asset} available`);
  const journalId = randomUUID();
  const reference = `order:${hold.orderId}`;
  await tx.ledgerEntry.createMany({
    data: [
      {
        journalId,
        userId: hold.userId,
        assetCode: hold.asset,
        bucket: 'AVAILABLE',
        type: 'HOLD',
        amount: fromAtoms(-hold.amount),
        reference,
      },
      {
        journalId,
        userId: hold.userId,
        assetCode: hold.asset,
        bucket: 'LOCKED',
        type: 'HOLD',
        amount,
        reference,
      },
    ],
  });
  return {
    userId: hold.userId,
    asset: hold.asset,
    available: fromAtoms(toAtoms(row.available)),
    locked: fromAtoms(toAtoms(row.locked)),
  };
}

/**
 * After commit only: a hold is a balance change its owner sees live. Not waited for — the
 * command need not wait a round trip to Redis for it, and still cannot overtake it: both
 * leave on the bus's one command connection (in-process: one microtask queue) in order.
 */
function publishBalance(bus: Bus, balance: BalanceEvent): void {
  bus.publish(channels.balances(balance.userId), balance).catch(() => {
    // Publication is best effort; the committed balance is what queries answer.
  });
}

/**
 * Records a command in the durable intake queue (EngineCommand) inside the caller's
 * transaction, and returns the message that carries it to the engine.
 */
async function queueCommand(
  tx: Tx,
  command: {
    marketSymbol: string;
    kind: 'PLACE' | 'CANCEL' | 'AMEND' | 'CANCEL_ALL';
    orderId?: bigint;
    userId: string;
    body: EngineCommandMessage['body'];
    traceparent: string | undefined;
  },
): Promise<EngineCommandMessage> {
  const row = await tx.engineCommand.create({
    data: {
      marketSymbol: command.marketSymbol,
      kind: command.kind,
      orderId: command.orderId ?? null,
      userId: command.userId,
      payload: command.body as never,
      traceparent: command.traceparent ?? null,
    },
    select: { id: true },
  });
  const msg: EngineCommandMessage = {
    commandId: String(row.id),
    marketSymbol: command.marketSymbol,
    body: command.body,
  };
  if (command.traceparent) msg.traceparent = command.traceparent;
  return msg;
}

/** An optional amount as the command's decimal, or null (module-level: under tsx a closure per call costs a `__name`). */
function opt(v: bigint | undefined): string | null {
  return v === undefined ? null : fromAtoms(v);
}
