-- DropForeignKey
ALTER TABLE "Fill" DROP CONSTRAINT "Fill_orderId_fkey";

-- DropForeignKey
ALTER TABLE "Fill" DROP CONSTRAINT "Fill_tradeId_fkey";
