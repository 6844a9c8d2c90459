-- CreateTable
CREATE TABLE "UserDailyVolume" (
    "userId" UUID NOT NULL,
    "quoteAssetCode" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "quoteVolume" DECIMAL(36,18) NOT NULL,

    CONSTRAINT "UserDailyVolume_pkey" PRIMARY KEY ("userId","quoteAssetCode","day")
);
