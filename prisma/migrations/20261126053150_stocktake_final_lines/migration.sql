-- AlterTable
ALTER TABLE "stocktake" ADD COLUMN     "final_lines" JSONB;
