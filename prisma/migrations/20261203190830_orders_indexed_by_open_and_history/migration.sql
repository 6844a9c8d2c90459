-- DropIndex
DROP INDEX "Order_userId_marketSymbol_status_idx";

-- CreateIndex
CREATE INDEX "Order_userId_id_idx" ON "Order"("userId", "id");

-- CreateIndex
CREATE INDEX "Order_userId_marketSymbol_idx" ON "Order"("userId", "marketSymbol") WHERE (status = ANY (ARRAY['ACCEPTED'::"OrderStatus", 'PENDING_TRIGGER'::"OrderStatus", 'NEW'::"OrderStatus", 'PARTIALLY_FILLED'::"OrderStatus"]));
