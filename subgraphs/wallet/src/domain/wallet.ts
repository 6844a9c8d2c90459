// The wallet's rules. Every movement of funds is one database transaction holding the
// balance change, its double-entry journal and the Transaction row; events go out after
// it commits.
import { type Asset, Prisma as P, type Prisma, type TransactionType } from '@flowex/db';
import { DomainError, ErrorCode } from '@flowex/schema';
import type { Identity } from '@flowex/server';
import { ensureDepositAddress, listDepositAddresses } from '../data/addresses.ts';
import { findAsset, findUserSecurity, listAssets } from '../data/assets.ts';
import {
  adjustBalance,
  type BalanceView,
  findBalance,
  listBalances,
  type Tx,
  zeroBalance,
} from '../data/balances.ts';
import { postJournal } from '../data/ledger.ts';
import {
  type Cursor,
  findOwnTransaction,
  findTransaction,
  listTransactions,
  settlePending,
  type TransactionRow,
} from '../data/transactions.ts';
import { deriveDepositAddress } from './addresses.ts';
import { parseAmount } from './money.ts';
import type { WalletServices } from './services.ts';

const ZERO = new P.Decimal(0);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const bad = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, details);
const notFound = (what: string) => new DomainError(ErrorCode.NOT_FOUND, `${what} not found.`);

export const normaliseCode = (code: string) => code.trim().toUpperCase();

async function assetOrNotFound(s: WalletServices, code: string): Promise<Asset> {
  const asset = await findAsset(s.db, normaliseCode(code));
  if (!asset) throw notFound(`Asset ${code}`);
  return asset;
}

/** Money transactions wait their turn for a connection rather than fail under load. */
function inTx<T>(s: WalletServices, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return s.db.$transaction(fn, { maxWait: 60_000, timeout: 60_000 });
}

function publish(s: WalletServices, balances: (BalanceView | null)[]) {
  for (const b of balances) if (b) s.publisher.publish(b);
}

async function adjustOrFail(
  tx: Tx,
  userId: string,
  asset: string,
  dAvailable: Prisma.Decimal,
  dLocked: Prisma.Decimal,
): Promise<BalanceView> {
  const b = await adjustBalance(tx, userId, asset, dAvailable, dLocked);
  if (!b) {
    throw new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `Insufficient ${asset} available.`);
  }
  return b;
}

// ---------------------------------------------------------------- reads

/** Every listed asset, zero where the user has no row. */
export async function balances(s: WalletServices, userId: string): Promise<BalanceView[]> {
  const [assets, rows] = await Promise.all([listAssets(s.db), listBalances(s.db, userId)]);
  const byAsset = new Map(rows.map((r) => [r.asset, r]));
  const listed = assets.map((a) => byAsset.get(a.code) ?? zeroBalance(userId, a.code));
  // Rows for assets no longer listed still count.
  return [...listed, ...rows.filter((r) => !assets.some((a) => a.code === r.asset))];
}

export async function balance(s: WalletServices, userId: string, code: string) {
  const asset = await assetOrNotFound(s, code);
  return (await findBalance(s.db, userId, asset.code)) ?? zeroBalance(userId, asset.code);
}

const encodeCursor = (t: TransactionRow) =>
  Buffer.from(JSON.stringify([t.createdAt.toISOString(), t.id])).toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    const date = new Date(createdAt);
    if (typeof id === 'string' && UUID.test(id) && !Number.isNaN(date.getTime())) {
      return { createdAt: date, id };
    }
  } catch {}
  throw bad('Invalid cursor.', { field: 'after' });
}

export async function transactions(
  s: WalletServices,
  userId: string,
  args: {
    asset?: string | null;
    type?: TransactionType | null;
    first?: number | null;
    after?: string | null;
  },
) {
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 200) {
    throw bad('first must be between 1 and 200.', { field: 'first' });
  }
  const rows = await listTransactions(s.db, userId, {
    ...(args.asset ? { asset: normaliseCode(args.asset) } : {}),
    ...(args.type ? { type: args.type } : {}),
    ...(args.after ? { after: decodeCursor(args.after) } : {}),
    take: first + 1,
  });
  const page = rows.slice(0, first);
  return {
    edges: page.map((node) => ({ cursor: encodeCursor(node), node })),
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: page.length ? encodeCursor(page[page.length - 1]!) : null,
    },
  };
}

export async function depositAddress(s: WalletServices, userId: string, code: string) {
  const asset = await assetOrNotFound(s, code);
  return ensureDepositAddress(s.db, {
    userId,
    assetCode: asset.code,
    address: deriveDepositAddress(s.addressSecret, userId, asset.code),
    memo: null,
  });
}

export const depositAddresses = (s: WalletServices, userId: string) =>
  listDepositAddresses(s.db, userId);

// ---------------------------------------------------------------- deposits

async function creditDeposit(tx: Tx, deposit: TransactionRow): Promise<BalanceView> {
  const b = await adjustOrFail(tx, deposit.userId, deposit.assetCode, deposit.amount, ZERO);
  await postJournal(tx, deposit.assetCode, `tx:${deposit.id}`, [
    { userId: deposit.userId, bucket: 'AVAILABLE', type: 'DEPOSIT', amount: deposit.amount },
    { userId: null, bucket: 'EXTERNAL', type: 'DEPOSIT', amount: deposit.amount.negated() },
  ]);
  return b;
}

export async function deposit(
  s: WalletServices,
  identity: Identity,
  args: { asset: string; amount: string },
): Promise<TransactionRow> {
  const asset = await assetOrNotFound(s, args.asset);
  const amount = parseAmount(asset, args.amount);
  const address = await depositAddress(s, identity.userId, asset.code);
  const result = await inTx(s, async (tx) => {
    const row = await tx.transaction.create({
      data: {
        userId: identity.userId,
        assetCode: asset.code,
        type: 'DEPOSIT',
        status: s.sandbox ? 'COMPLETED' : 'PENDING',
        amount,
        address: address.address,
        reference: s.sandbox ? 'sandbox deposit' : null,
      },
    });
    const b = s.sandbox ? await creditDeposit(tx, row) : null;
    return { row, b };
  });
  publish(s, [result.b]);
  return result.row;
}

export async function confirmDeposit(s: WalletServices, admin: Identity, id: string) {
  const found = UUID.test(id) ? await findTransaction(s.db, id) : null;
  if (found?.type !== 'DEPOSIT') throw notFound('Deposit');
  const result = await inTx(s, async (tx) => {
    if (!(await settlePending(tx, id, { status: 'COMPLETED', reviewedBy: admin.userId }))) {
      throw bad(`This deposit is ${found.status}, not PENDING.`);
    }
    const b = await creditDeposit(tx, found);
    return { row: await tx.transaction.findUniqueOrThrow({ where: { id } }), b };
  });
  publish(s, [result.b]);
  return result.row;
}

// ---------------------------------------------------------------- withdrawals

const ADDRESS = /^[A-Za-z0-9:._-]{8,128}$/;

export async function requestWithdrawal(
  s: WalletServices,
  identity: Identity,
  args: { asset: string; amount: string; address: string; twoFactorCode?: string | null },
): Promise<TransactionRow> {
  const asset = await assetOrNotFound(s, args.asset);
  const amount = parseAmount(asset, args.amount);
  if (amount.lt(asset.minWithdrawal)) {
    throw bad(`The minimum ${asset.code} withdrawal is ${asset.minWithdrawal.toFixed()}.`, {
      field: 'amount',
    });
  }
  if (amount.lte(asset.withdrawalFee)) {
    throw bad(`The amount must exceed the ${asset.code} withdrawal fee.`, { field: 'amount' });
  }
  const address = args.address.trim();
  if (!ADDRESS.test(address)) throw bad('Not a valid address.', { field: 'address' });
  const user = await findUserSecurity(s.db, identity.userId);
  if (!user) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This account no longer exists.');
  if (user.twoFactorEnabled) {
    if (!args.twoFactorCode) {
      throw new DomainError(
        ErrorCode.TWO_FACTOR_REQUIRED,
        'Enter the code from your authenticator app to withdraw.',
      );
    }
    await s.twoFactor.verify(user, args.twoFactorCode);
  }
  const result = await inTx(s, async (tx) => {
    // The conditional update locks the row: concurrent requests queue and never overdraw.
    const b = await adjustOrFail(tx, identity.userId, asset.code, amount.negated(), amount);
    const row = await tx.transaction.create({
      data: {
        userId: identity.userId,
        assetCode: asset.code,
        type: 'WITHDRAWAL',
        status: 'PENDING',
        amount: amount.negated(),
        fee: asset.withdrawalFee,
        address,
      },
    });
    await postJournal(tx, asset.code, `tx:${row.id}`, [
      { userId: identity.userId, bucket: 'AVAILABLE', type: 'HOLD', amount: amount.negated() },
      { userId: identity.userId, bucket: 'LOCKED', type: 'HOLD', amount },
    ]);
    return { row, b };
  });
  publish(s, [result.b]);
  return result.row;
}

/** Returns a PENDING withdrawal's hold to available (cancel or reject). */
async function releaseWithdrawal(
  s: WalletServices,
  w: TransactionRow,
  data: Prisma.TransactionUpdateManyMutationInput,
): Promise<TransactionRow> {
  const held = w.amount.negated();
  const result = await inTx(s, async (tx) => {
    if (!(await settlePending(tx, w.id, data))) {
      throw bad(`This withdrawal is ${w.status === 'PENDING' ? 'no longer PENDING' : w.status}.`);
    }
    const b = await adjustOrFail(tx, w.userId, w.assetCode, held, held.negated());
    await postJournal(tx, w.assetCode, `tx:${w.id}`, [
      { userId: w.userId, bucket: 'LOCKED', type: 'RELEASE', amount: held.negated() },
      { userId: w.userId, bucket: 'AVAILABLE', type: 'RELEASE', amount: held },
    ]);
    return { row: await tx.transaction.findUniqueOrThrow({ where: { id: w.id } }), b };
  });
  publish(s, [result.b]);
  return result.row;
}

async function withdrawalById(s: WalletServices, id: string, ownerId?: string) {
  const found = !UUID.test(id)
    ? null
    : ownerId
      ? await findOwnTransaction(s.db, id, ownerId)
      : await findTransaction(s.db, id);
  if (found?.type !== 'WITHDRAWAL') throw notFound('Withdrawal');
  return found;
}

export async function cancelWithdrawal(s: WalletServices, identity: Identity, id: string) {
  // Someone else's withdrawal is simply not found: ids do not leak.
  const w = await withdrawalById(s, id, identity.userId);
  return releaseWithdrawal(s, w, { status: 'CANCELED', reference: 'canceled by the owner' });
}

export async function rejectWithdrawal(
  s: WalletServices,
  admin: Identity,
  id: string,
  reason: string,
) {
  const text = reason.trim();
  if (!text || text.length > 500) throw bad('Give a reason (up to 500 characters).');
  const w = await withdrawalById(s, id);
  return releaseWithdrawal(s, w, { status: 'REJECTED', reference: text, reviewedBy: admin.userId });
}

export async function approveWithdrawal(s: WalletServices, admin: Identity, id: string) {
  const w = await withdrawalById(s, id);
  const feeAccount = await s.feeAccountId();
  const held = w.amount.negated();
  const sent = held.minus(w.fee);
  const result = await inTx(s, async (tx) => {
    if (!(await settlePending(tx, id, { status: 'COMPLETED', reviewedBy: admin.userId }))) {
      throw bad(`This withdrawal is ${w.status === 'PENDING' ? 'no longer PENDING' : w.status}.`);
    }
    const b = await adjustOrFail(tx, w.userId, w.assetCode, ZERO, held.negated());
    const fee = w.fee.isZero()
      ? null
      : await adjustOrFail(tx, feeAccount, w.assetCode, w.fee, ZERO);
    await postJournal(tx, w.assetCode, `tx:${w.id}`, [
      { userId: w.userId, bucket: 'LOCKED', type: 'WITHDRAWAL', amount: held.negated() },
      { userId: null, bucket: 'EXTERNAL', type: 'WITHDRAWAL', amount: sent },
      { userId: feeAccount, bucket: 'AVAILABLE', type: 'WITHDRAWAL_FEE', amount: w.fee },
    ]);
    return { row: await tx.transaction.findUniqueOrThrow({ where: { id } }), b, fee };
  });
  publish(s, [result.b, result.fee]);
  return result.row;
}
