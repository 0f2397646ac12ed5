-- A product's barcode (a GTIN as typed, leading zeros kept), unique when set.
-- AlterTable
ALTER TABLE "product" ADD COLUMN     "barcode" VARCHAR(14);

-- CreateIndex
CREATE UNIQUE INDEX "product_barcode_key" ON "product"("barcode");
