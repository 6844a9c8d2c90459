-- DropIndex
DROP INDEX "EngineCommand_marketSymbol_processedSeq_id_idx";

-- DropIndex
DROP INDEX "Fill_orderId_idx";

-- DropIndex
DROP INDEX "Fill_tradeId_orderId_key";

-- DropIndex
DROP INDEX "Order_marketSymbol_status_idx";

-- DropIndex
DROP INDEX "Order_userId_clientOrderId_key";

-- DropIndex
DROP INDEX "Transaction_type_status_idx";

-- CreateIndex
CREATE INDEX "EngineCommand_marketSymbol_id_idx" ON "EngineCommand"("marketSymbol", "id") WHERE ("processedSeq" IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "Fill_orderId_tradeId_key" ON "Fill"("orderId", "tradeId");

-- CreateIndex
CREATE INDEX "Order_marketSymbol_side_price_idx" ON "Order"("marketSymbol", "side", "price") WHERE (status = ANY (ARRAY['NEW'::"OrderStatus", 'PARTIALLY_FILLED'::"OrderStatus", 'PENDING_TRIGGER'::"OrderStatus"]));

-- CreateIndex
CREATE UNIQUE INDEX "Order_userId_clientOrderId_key" ON "Order"("userId", "clientOrderId") WHERE ("clientOrderId" IS NOT NULL);

-- CreateIndex
CREATE INDEX "Transaction_type_createdAt_idx" ON "Transaction"("type", "createdAt") WHERE (status = 'PENDING');
