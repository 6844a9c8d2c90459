-- DropIndex
DROP INDEX "Fill_userId_marketSymbol_executedAt_idx";

-- CreateTable
CREATE TABLE "PositionSnapshot" (
    "userId" UUID NOT NULL,
    "marketSymbol" TEXT NOT NULL,
    "quantity" DECIMAL NOT NULL,
    "cost" DECIMAL NOT NULL,
    "realized" DECIMAL NOT NULL,
    "lastFillId" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PositionSnapshot_pkey" PRIMARY KEY ("userId","marketSymbol")
);

-- CreateIndex
CREATE INDEX "Fill_userId_marketSymbol_id_idx" ON "Fill"("userId", "marketSymbol", "id");
