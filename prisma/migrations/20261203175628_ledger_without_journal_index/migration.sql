-- DropIndex
DROP INDEX "LedgerEntry_journalId_idx";
