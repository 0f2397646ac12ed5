-- MYOB's company file id is the connection's tenant id; the separate column was never used.
ALTER TABLE "accounting_connection" DROP COLUMN "company_file";

-- Opening stock the accountant already has in the ledger: skipped, and known to be explained.
ALTER TABLE "accounting_posting" ADD COLUMN "in_ledger" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "settings" ADD COLUMN "opening_stock_in_ledger" BOOLEAN NOT NULL DEFAULT false;

-- What moved before the first connection is in the opening balance entered in the ledger.
UPDATE "accounting_posting" SET "in_ledger" = true
WHERE "state" = 'skipped' AND "skipped_reason" LIKE 'Moved before Stocksheet was first connected to %';
