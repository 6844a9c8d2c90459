import { DomainError, ErrorCode } from '@flowex/schema';
import { requireIdentity } from '@flowex/server';
import type {
  BalanceResolvers,
  DepositAddressResolvers,
  TransactionResolvers,
  UserResolvers,
} from '../__generated__/resolvers.ts';
import * as wallet from '../domain/wallet.ts';

export const Balance: BalanceResolvers = {
  available: (b) => b.available.toFixed(),
  locked: (b) => b.locked.toFixed(),
  total: (b) => b.available.plus(b.locked).toFixed(),
};

export const Transaction: TransactionResolvers = {
  asset: (t) => t.assetCode,
  amount: (t) => t.amount.toFixed(),
  fee: (t) => t.fee.toFixed(),
};

export const DepositAddress: DepositAddressResolvers = {
  asset: (d) => d.assetCode,
};

export const User: UserResolvers = {
  // Only the account itself or an ADMIN reads a user's balances.
  balances: (user, _a, ctx) => {
    const identity = requireIdentity(ctx);
    if (user.id !== identity.userId && !identity.roles.includes('ADMIN')) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        "Another account's balances are not yours to see.",
      );
    }
    return wallet.balances(ctx.services, user.id);
  },
};
