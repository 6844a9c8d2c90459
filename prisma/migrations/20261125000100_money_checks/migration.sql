-- Hand-written: invariants Prisma's schema language cannot express (CHECK constraints).
-- The schema engine does not model CHECK constraints, so they never show up in a diff
-- and later generated migrations leave them alone.

-- Money never goes negative, whatever code path writes it.
ALTER TABLE "Balance" ADD CONSTRAINT "Balance_available_nonnegative" CHECK ("available" >= 0);
ALTER TABLE "Balance" ADD CONSTRAINT "Balance_locked_nonnegative" CHECK ("locked" >= 0);

-- An order is never filled beyond its quantity and never holds negative funds.
ALTER TABLE "Order" ADD CONSTRAINT "Order_filled_within_quantity"
  CHECK ("filledQuantity" >= 0 AND ("quantity" IS NULL OR "filledQuantity" <= "quantity"));
ALTER TABLE "Order" ADD CONSTRAINT "Order_hold_nonnegative" CHECK ("holdRemaining" >= 0);

-- A ledger row always moves something.
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_amount_nonzero" CHECK ("amount" <> 0);

-- Reference data is sane.
ALTER TABLE "Market" ADD CONSTRAINT "Market_sizes_positive"
  CHECK ("tickSize" > 0 AND "lotSize" > 0 AND "minQuantity" >= 0 AND "minNotional" >= 0
         AND "makerFeeRate" >= 0 AND "takerFeeRate" >= 0);
ALTER TABLE "Asset" ADD CONSTRAINT "Asset_decimals_range" CHECK ("decimals" BETWEEN 0 AND 18);
