-- CreateEnum
CREATE TYPE "Role" AS ENUM ('TRADER', 'ADMIN');

-- CreateEnum
CREATE TYPE "MarketStatus" AS ENUM ('TRADING', 'HALTED');

-- CreateEnum
CREATE TYPE "LedgerBucket" AS ENUM ('AVAILABLE', 'LOCKED', 'EXTERNAL');

-- CreateEnum
CREATE TYPE "LedgerEntryType" AS ENUM ('DEPOSIT', 'WITHDRAWAL', 'WITHDRAWAL_FEE', 'HOLD', 'RELEASE', 'TRADE', 'FEE', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "TransactionType" AS ENUM ('DEPOSIT', 'WITHDRAWAL', 'TRADE', 'FEE', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "TransactionStatus" AS ENUM ('PENDING', 'COMPLETED', 'REJECTED', 'CANCELED');

-- CreateEnum
CREATE TYPE "OrderSide" AS ENUM ('BUY', 'SELL');

-- CreateEnum
CREATE TYPE "OrderType" AS ENUM ('LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT');

-- CreateEnum
CREATE TYPE "TimeInForce" AS ENUM ('GTC', 'IOC', 'FOK');

-- CreateEnum
CREATE TYPE "SelfTradePrevention" AS ENUM ('NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('ACCEPTED', 'PENDING_TRIGGER', 'NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "EngineCommandKind" AS ENUM ('PLACE', 'CANCEL', 'AMEND', 'CANCEL_ALL');

-- CreateEnum
CREATE TYPE "Liquidity" AS ENUM ('MAKER', 'TAKER');

-- CreateEnum
CREATE TYPE "CandleInterval" AS ENUM ('ONE_MINUTE', 'FIVE_MINUTES', 'FIFTEEN_MINUTES', 'ONE_HOUR', 'FOUR_HOURS', 'ONE_DAY');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "accountNo" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "roles" "Role"[] DEFAULT ARRAY['TRADER']::"Role"[],
    "isSystem" BOOLEAN NOT NULL DEFAULT false,
    "twoFactorEnabled" BOOLEAN NOT NULL DEFAULT false,
    "totpSecretEnc" TEXT,
    "totpLastStep" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "familyId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "usedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "userId" UUID,
    "actorId" UUID,
    "action" TEXT NOT NULL,
    "ip" TEXT,
    "details" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Asset" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "decimals" INTEGER NOT NULL,
    "withdrawalFee" DECIMAL(36,18) NOT NULL,
    "minWithdrawal" DECIMAL(36,18) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Asset_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "Market" (
    "symbol" TEXT NOT NULL,
    "baseAssetCode" TEXT NOT NULL,
    "quoteAssetCode" TEXT NOT NULL,
    "status" "MarketStatus" NOT NULL DEFAULT 'TRADING',
    "tickSize" DECIMAL(36,18) NOT NULL,
    "lotSize" DECIMAL(36,18) NOT NULL,
    "minQuantity" DECIMAL(36,18) NOT NULL,
    "minNotional" DECIMAL(36,18) NOT NULL,
    "makerFeeRate" DECIMAL(36,18) NOT NULL,
    "takerFeeRate" DECIMAL(36,18) NOT NULL,
    "priceBandPercent" DECIMAL(36,18) NOT NULL DEFAULT 20,
    "marketProtectionBps" INTEGER NOT NULL DEFAULT 500,
    "circuitBreakerPercent" DECIMAL(36,18) NOT NULL DEFAULT 10,
    "maxOpenOrdersPerUser" INTEGER NOT NULL DEFAULT 200,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Market_pkey" PRIMARY KEY ("symbol")
);

-- CreateTable
CREATE TABLE "FeeTier" (
    "tier" INTEGER NOT NULL,
    "minQuoteVolume30d" DECIMAL(36,18) NOT NULL,
    "makerRateMultiplier" DECIMAL(36,18) NOT NULL,
    "takerRateMultiplier" DECIMAL(36,18) NOT NULL,

    CONSTRAINT "FeeTier_pkey" PRIMARY KEY ("tier")
);

-- CreateTable
CREATE TABLE "Balance" (
    "userId" UUID NOT NULL,
    "assetCode" TEXT NOT NULL,
    "available" DECIMAL(36,18) NOT NULL DEFAULT 0,
    "locked" DECIMAL(36,18) NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Balance_pkey" PRIMARY KEY ("userId","assetCode")
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" BIGSERIAL NOT NULL,
    "journalId" UUID NOT NULL,
    "userId" UUID,
    "assetCode" TEXT NOT NULL,
    "bucket" "LedgerBucket" NOT NULL,
    "type" "LedgerEntryType" NOT NULL,
    "amount" DECIMAL(36,18) NOT NULL,
    "reference" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Transaction" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "assetCode" TEXT NOT NULL,
    "type" "TransactionType" NOT NULL,
    "status" "TransactionStatus" NOT NULL,
    "amount" DECIMAL(36,18) NOT NULL,
    "fee" DECIMAL(36,18) NOT NULL DEFAULT 0,
    "address" TEXT,
    "reference" TEXT,
    "reviewedBy" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Transaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DepositAddress" (
    "userId" UUID NOT NULL,
    "assetCode" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "memo" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DepositAddress_pkey" PRIMARY KEY ("userId","assetCode")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" BIGSERIAL NOT NULL,
    "userId" UUID NOT NULL,
    "marketSymbol" TEXT NOT NULL,
    "clientOrderId" TEXT,
    "side" "OrderSide" NOT NULL,
    "type" "OrderType" NOT NULL,
    "timeInForce" "TimeInForce" NOT NULL DEFAULT 'GTC',
    "postOnly" BOOLEAN NOT NULL DEFAULT false,
    "selfTradePrevention" "SelfTradePrevention" NOT NULL DEFAULT 'EXPIRE_TAKER',
    "status" "OrderStatus" NOT NULL DEFAULT 'ACCEPTED',
    "price" DECIMAL(36,18),
    "stopPrice" DECIMAL(36,18),
    "quantity" DECIMAL(36,18),
    "quoteQuantity" DECIMAL(36,18),
    "displayQuantity" DECIMAL(36,18),
    "filledQuantity" DECIMAL(36,18) NOT NULL DEFAULT 0,
    "filledQuoteQuantity" DECIMAL(36,18) NOT NULL DEFAULT 0,
    "rejectReason" TEXT,
    "holdAsset" TEXT NOT NULL,
    "holdRemaining" DECIMAL(36,18) NOT NULL DEFAULT 0,
    "engineSeq" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EngineCommand" (
    "id" BIGSERIAL NOT NULL,
    "marketSymbol" TEXT NOT NULL,
    "kind" "EngineCommandKind" NOT NULL,
    "orderId" BIGINT,
    "userId" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "traceparent" TEXT,
    "processedSeq" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EngineCommand_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Trade" (
    "id" BIGSERIAL NOT NULL,
    "marketSymbol" TEXT NOT NULL,
    "engineSeq" BIGINT NOT NULL,
    "price" DECIMAL(36,18) NOT NULL,
    "quantity" DECIMAL(36,18) NOT NULL,
    "quoteQuantity" DECIMAL(36,18) NOT NULL,
    "takerSide" "OrderSide" NOT NULL,
    "makerOrderId" BIGINT NOT NULL,
    "takerOrderId" BIGINT NOT NULL,
    "executedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Trade_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Fill" (
    "id" BIGSERIAL NOT NULL,
    "tradeId" BIGINT NOT NULL,
    "orderId" BIGINT NOT NULL,
    "userId" UUID NOT NULL,
    "marketSymbol" TEXT NOT NULL,
    "side" "OrderSide" NOT NULL,
    "price" DECIMAL(36,18) NOT NULL,
    "quantity" DECIMAL(36,18) NOT NULL,
    "quoteQuantity" DECIMAL(36,18) NOT NULL,
    "fee" DECIMAL(36,18) NOT NULL,
    "feeAsset" TEXT NOT NULL,
    "feeRate" DECIMAL(36,18) NOT NULL,
    "liquidity" "Liquidity" NOT NULL,
    "executedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Fill_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Candle" (
    "marketSymbol" TEXT NOT NULL,
    "interval" "CandleInterval" NOT NULL,
    "openTime" TIMESTAMP(3) NOT NULL,
    "open" DECIMAL(36,18) NOT NULL,
    "high" DECIMAL(36,18) NOT NULL,
    "low" DECIMAL(36,18) NOT NULL,
    "close" DECIMAL(36,18) NOT NULL,
    "volume" DECIMAL(36,18) NOT NULL,
    "quoteVolume" DECIMAL(36,18) NOT NULL,
    "tradeCount" INTEGER NOT NULL,
    "lastEngineSeq" BIGINT NOT NULL,

    CONSTRAINT "Candle_pkey" PRIMARY KEY ("marketSymbol","interval","openTime")
);

-- CreateTable
CREATE TABLE "EngineCheckpoint" (
    "marketSymbol" TEXT NOT NULL,
    "lastSeq" BIGINT NOT NULL,
    "lastCommandId" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EngineCheckpoint_pkey" PRIMARY KEY ("marketSymbol")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_accountNo_key" ON "User"("accountNo");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "Session_familyId_idx" ON "Session"("familyId");

-- CreateIndex
CREATE INDEX "AuditLog_userId_createdAt_idx" ON "AuditLog"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_action_createdAt_idx" ON "AuditLog"("action", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Market_baseAssetCode_quoteAssetCode_key" ON "Market"("baseAssetCode", "quoteAssetCode");

-- CreateIndex
CREATE INDEX "LedgerEntry_journalId_idx" ON "LedgerEntry"("journalId");

-- CreateIndex
CREATE INDEX "LedgerEntry_userId_assetCode_idx" ON "LedgerEntry"("userId", "assetCode");

-- CreateIndex
CREATE INDEX "Transaction_userId_createdAt_idx" ON "Transaction"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "Transaction_type_status_idx" ON "Transaction"("type", "status");

-- CreateIndex
CREATE UNIQUE INDEX "DepositAddress_address_key" ON "DepositAddress"("address");

-- CreateIndex
CREATE INDEX "Order_userId_marketSymbol_status_idx" ON "Order"("userId", "marketSymbol", "status");

-- CreateIndex
CREATE INDEX "Order_marketSymbol_status_idx" ON "Order"("marketSymbol", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Order_userId_clientOrderId_key" ON "Order"("userId", "clientOrderId");

-- CreateIndex
CREATE INDEX "EngineCommand_marketSymbol_processedSeq_id_idx" ON "EngineCommand"("marketSymbol", "processedSeq", "id");

-- CreateIndex
CREATE INDEX "Trade_marketSymbol_executedAt_idx" ON "Trade"("marketSymbol", "executedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Trade_marketSymbol_engineSeq_key" ON "Trade"("marketSymbol", "engineSeq");

-- CreateIndex
CREATE INDEX "Fill_userId_marketSymbol_executedAt_idx" ON "Fill"("userId", "marketSymbol", "executedAt");

-- CreateIndex
CREATE INDEX "Fill_orderId_idx" ON "Fill"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Fill_tradeId_orderId_key" ON "Fill"("tradeId", "orderId");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Market" ADD CONSTRAINT "Market_baseAssetCode_fkey" FOREIGN KEY ("baseAssetCode") REFERENCES "Asset"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Market" ADD CONSTRAINT "Market_quoteAssetCode_fkey" FOREIGN KEY ("quoteAssetCode") REFERENCES "Asset"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Balance" ADD CONSTRAINT "Balance_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transaction" ADD CONSTRAINT "Transaction_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepositAddress" ADD CONSTRAINT "DepositAddress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Fill" ADD CONSTRAINT "Fill_tradeId_fkey" FOREIGN KEY ("tradeId") REFERENCES "Trade"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Fill" ADD CONSTRAINT "Fill_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
