// Group commit for new orders (./group-commit.ts): orders submitted while earlier ones are
// being recorded share one statement; under light load every order still goes alone,
// through the single-order statement.
//
// The batch statement only ACCEPTS what the single-order statement would accept. Each
// check counts every earlier order of the batch as if it had been accepted (their holds
// against the balance, their number against the open-order limit), so it can refuse an
// order that alone would pass, never the reverse. Whatever it does not accept, and every
// order of a batch whose statement failed (a clientOrderId already used, a balance that
// moved under it, a deadlock), is then recorded alone by the single-order statement, which
// gives the exact answer and error. Balance rows are locked in (user, asset) order, as
// settlement locks them, so intake and settlement never deadlock. The statement itself is
// the function `flowex_place_orders` (migrations 20261201220900_intake_functions,
// 20261202150000_intake_groups_across_markets, 20261203090000_intake_groups_in_linear_time),
// which first serialises each user's intake so that the open-order limit counts every order
// committed before; one group may hold orders of several markets.
import type pg from 'pg';
import { pgArray } from '../service/settlement.ts';
import { GroupCommit } from './group-commit.ts';

/** The single-order statement's parameters ($1…$20 of PLACE_SQL in submit.ts). */
export type PlaceValues = [
  userId: string,
  marketSymbol: string,
  clientOrderId: string | null,
  side: string,
  type: string,
  timeInForce: string,
  postOnly: boolean,
  selfTradePrevention: string,
  price: string | null,
  stopPrice: string | null,
  quantity: string | null,
  quoteQuantity: string | null,
  displayQuantity: string | null,
  holdAsset: string,
  hold: string,
  payload: string,
  traceparent: string | null,
  maxOpenOrders: number | null,
  journalId: string,
  priceBandPercent: string | null,
];

export interface PlaceRow {
  accountNo: number | null;
  marketStatus: string | null;
  open: number | null;
  inBand: boolean;
  lastPrice: string | null;
  orderId: string | null;
  createdAt: string | null;
  commandId: string | null;
  available: string | null;
  locked: string | null;
}

/** The group's call: `flowex_place_orders` (migration 20261202150000_intake_groups_across_markets). */
const PLACE_BATCH_SQL = `SELECT * FROM flowex_place_orders($1::text[], $2::uuid[], $3::text[], $4::text[],
  $5::text[], $6::text[], $7::boolean[], $8::text[], $9::numeric[], $10::numeric[],
  $11::numeric[], $12::numeric[], $13::numeric[], $14::text[], $15::numeric[], $16::jsonb[],
  $17::text[], $18::int[], $19::uuid[], $20::numeric[])`;

interface BatchRow {
  i: number;
  orderId: string | null;
  commandId: string | null;
  accountNo: number | null;
  createdAt: string | null;
  available: string | null;
  locked: string | null;
}

/** Records one order alone (the exact single-order statement). */
export type PlaceOne = (values: PlaceValues) => Promise<PlaceRow>;

export class PlaceBatcher {
  /** One group for all markets (migration 20261202150000_intake_groups_across_markets). */
  private readonly groups: GroupCommit<PlaceValues, PlaceRow>;

  constructor(
    private readonly pool: pg.Pool,
    placeOne: PlaceOne,
    maxInFlight = 4,
    maxBatch = 500,
  ) {
    this.groups = new GroupCommit(
      { one: placeOne, many: (list) => this.batch(list) },
      maxInFlight,
      maxBatch,
    );
  }

  place(values: PlaceValues): Promise<PlaceRow> {
    return this.groups.submit(values);
  }

  /** The group statement's answer per order; undefined where it did not accept the order. */
  private async batch(list: PlaceValues[]): Promise<(PlaceRow | undefined)[]> {
    const col = (k: number) =>
      pgArray(list.map((v) => (v[k] === null ? null : String(v[k] as string | number | boolean))));
    // The market column first, then the others in order ($1 … $20 of the function).
    const params: unknown[] = [col(1)];
    for (let k = 0; k < 20; k++) if (k !== 1) params.push(col(k));
    const { rows } = await this.pool.query<BatchRow>({
      name: 'intake_place_batch',
      text: PLACE_BATCH_SQL,
      values: params,
    });
    const answers: (PlaceRow | undefined)[] = new Array(list.length);
    for (const row of rows) {
      if (row.orderId === null) continue;
      answers[row.i - 1] = {
        accountNo: row.accountNo,
        marketStatus: 'TRADING',
        open: null,
        inBand: true,
        lastPrice: null,
        orderId: row.orderId,
        createdAt: row.createdAt,
        commandId: row.commandId,
        available: row.available,
        locked: row.locked,
      };
    }
    return answers;
  }
}
