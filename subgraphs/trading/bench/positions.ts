// `npm run bench:positions`: what the `positions` query costs a user with a long history —
// the fold of the whole history (as it was computed before PositionSnapshot) against the
// fold from the stored state. One user, BENCH_FILLS fills (default 200,000) over two
// markets in a database of its own; ends with one line of JSON.
import { type Db, seedDatabase } from '@flowex/db';
import { createTestDatabase } from '@flowex/db/testing';
import { lastPrices } from '../src/data/orders.ts';
import { positions } from '../src/domain/orders.ts';
import { computePositions } from '../src/domain/positions.ts';

const FILLS = Number(process.env.BENCH_FILLS ?? 200_000);
const RUNS = 3;

const t = await createTestDatabase('bench_positions');
try {
  const { db } = t;
  await seedDatabase(db, { sandbox: false });
  const user = await db.user.create({ data: { email: 'positions@example.com' } });
  const caller = { userId: user.id, accountNo: user.accountNo, roles: [] } as unknown as Parameters<
    typeof positions
  >[1];
  let nextId = 0;
  const addFills = async (n: number) => {
    const from = nextId;
    nextId += n;
    await insertFills(db, user.id, from, n);
  };
  await addFills(FILLS);
  await db.$executeRawUnsafe('VACUUM ANALYZE "Fill"');

  const wholeHistory = await timed(async () => {
    const fills = await db.fill.findMany({
      where: { userId: user.id },
      orderBy: [{ executedAt: 'asc' }, { id: 'asc' }],
    });
    return computePositions(fills, await lastPrices(db, ['BTC-USDT', 'ETH-USDT']));
  });
  const [first] = await timed(() => positions(db, caller), 1);
  const unchanged = await timed(() => positions(db, caller));
  await addFills(100);
  const [after100] = await timed(() => positions(db, caller), 1);

  const f = (ms: number[]) => ms.map((m) => m.toFixed(1)).join(' / ');
  console.log(`positions of one user with ${FILLS} fills (two markets), ms per query:`);
  console.log(`  whole history folded (before PositionSnapshot): ${f(wholeHistory)}`);
  console.log(`  first query, no stored state yet:                ${f([first!])}`);
  console.log(`  stored state, no fill since:                     ${f(unchanged)}`);
  console.log(`  stored state, 100 fills since:                   ${f([after100!])}`);
  console.log(
    JSON.stringify({
      benchmark: 'positions',
      fills: FILLS,
      wholeHistoryMs: median(wholeHistory),
      firstQueryMs: first,
      fromStateMs: median(unchanged),
      fromStatePlus100Ms: after100,
    }),
  );
} finally {
  await t.drop();
}

function insertFills(db: Db, userId: string, from: number, n: number) {
  // Ids from `from + 1`; a quarter in ETH-USDT, a third of them sells.
  return db.$executeRawUnsafe(
    `INSERT INTO "Fill" ("tradeId", "orderId", "userId", "marketSymbol", side, price, quantity,
                         "quoteQuantity", fee, "feeAsset", "feeRate", liquidity, "executedAt")
     SELECT i, i, $1::uuid, CASE WHEN i % 4 = 0 THEN 'ETH-USDT' ELSE 'BTC-USDT' END,
            (CASE WHEN i % 3 = 0 THEN 'SELL' ELSE 'BUY' END)::"OrderSide",
            30000 + i % 100, 0.01, (30000 + i % 100) * 0.01, 0.00001, 'BTC', 0.001, 'MAKER', now()
       FROM generate_series($2::bigint + 1, $2::bigint + $3::bigint) i`,
    userId,
    from,
    n,
  );
}

async function timed(f: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await f();
    out.push(Math.round((performance.now() - start) * 10) / 10);
  }
  return out;
}

function median(xs: number[]) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
