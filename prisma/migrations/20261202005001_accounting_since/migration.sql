-- AlterTable
ALTER TABLE "settings" ADD COLUMN     "accounting_since" TIMESTAMPTZ(3);
