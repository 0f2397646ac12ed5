-- CreateEnum
CREATE TYPE "StocktakeStatus" AS ENUM ('draft', 'counting', 'review', 'finalised', 'cancelled');

-- AlterEnum
ALTER TYPE "MovementKind" ADD VALUE 'stocktake';

-- AlterTable
ALTER TABLE "settings" ADD COLUMN     "stocktake_gl_code" VARCHAR(32);

-- CreateTable
CREATE TABLE "stocktake" (
    "id" SERIAL NOT NULL,
    "location_id" INTEGER NOT NULL,
    "bay_ids" INTEGER[],
    "product_ids" INTEGER[],
    "blind" BOOLEAN NOT NULL DEFAULT false,
    "status" "StocktakeStatus" NOT NULL DEFAULT 'draft',
    "frozen_movement_id" INTEGER,
    "frozen_at" TIMESTAMPTZ(3),
    "finalised_at" TIMESTAMPTZ(3),
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stocktake_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stocktake_expected" (
    "id" SERIAL NOT NULL,
    "stocktake_id" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "bay_id" INTEGER,
    "batch_id" INTEGER,
    "quantity" DECIMAL(18,4) NOT NULL,
    "unit_cost" DECIMAL(18,6) NOT NULL,

    CONSTRAINT "stocktake_expected_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stocktake_expected_serial" (
    "stocktake_id" INTEGER NOT NULL,
    "serial_id" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "bay_id" INTEGER,

    CONSTRAINT "stocktake_expected_serial_pkey" PRIMARY KEY ("stocktake_id","serial_id")
);

-- CreateTable
CREATE TABLE "stocktake_count_row" (
    "id" SERIAL NOT NULL,
    "stocktake_id" INTEGER NOT NULL,
    "sheet_key" VARCHAR(100) NOT NULL,
    "row_index" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "bay_id" INTEGER,
    "batch_number" VARCHAR(100),
    "expiry" DATE,
    "counted_quantity" DECIMAL(18,4),
    "serials" TEXT[],

    CONSTRAINT "stocktake_count_row_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stocktake_expected_stocktake_id_idx" ON "stocktake_expected"("stocktake_id");

-- CreateIndex
CREATE INDEX "stocktake_count_row_stocktake_id_sheet_key_idx" ON "stocktake_count_row"("stocktake_id", "sheet_key");

-- AddForeignKey
ALTER TABLE "stocktake" ADD CONSTRAINT "stocktake_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stocktake" ADD CONSTRAINT "stocktake_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stocktake_expected" ADD CONSTRAINT "stocktake_expected_stocktake_id_fkey" FOREIGN KEY ("stocktake_id") REFERENCES "stocktake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stocktake_expected_serial" ADD CONSTRAINT "stocktake_expected_serial_stocktake_id_fkey" FOREIGN KEY ("stocktake_id") REFERENCES "stocktake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stocktake_count_row" ADD CONSTRAINT "stocktake_count_row_stocktake_id_fkey" FOREIGN KEY ("stocktake_id") REFERENCES "stocktake"("id") ON DELETE CASCADE ON UPDATE CASCADE;
