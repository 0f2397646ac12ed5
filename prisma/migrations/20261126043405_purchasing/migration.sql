-- CreateEnum
CREATE TYPE "PurchaseOrderStatus" AS ENUM ('draft', 'issued', 'partially_received', 'received', 'cancelled');

-- AlterEnum
ALTER TYPE "MovementKind" ADD VALUE 'receipt';

-- CreateTable
CREATE TABLE "supplier" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "supplier_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "purchase_order" (
    "id" SERIAL NOT NULL,
    "supplier_id" INTEGER NOT NULL,
    "location_id" INTEGER NOT NULL,
    "bay_id" INTEGER,
    "currency" CHAR(3) NOT NULL,
    "exchange_rate" DECIMAL(18,8) NOT NULL,
    "expected_date" DATE,
    "reference" VARCHAR(100),
    "status" "PurchaseOrderStatus" NOT NULL DEFAULT 'draft',
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "purchase_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "purchase_order_line" (
    "id" SERIAL NOT NULL,
    "purchase_order_id" INTEGER NOT NULL,
    "line_number" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "quantity" DECIMAL(18,4) NOT NULL,
    "unit_cost" DECIMAL(18,6) NOT NULL,
    "received_quantity" DECIMAL(18,4) NOT NULL DEFAULT 0,

    CONSTRAINT "purchase_order_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pending_serial" (
    "id" SERIAL NOT NULL,
    "line_id" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "serial" VARCHAR(100) NOT NULL,
    "bay_id" INTEGER,

    CONSTRAINT "pending_serial_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pending_batch" (
    "id" SERIAL NOT NULL,
    "line_id" INTEGER NOT NULL,
    "number" VARCHAR(100) NOT NULL,
    "expiry" DATE,
    "quantity" DECIMAL(18,4) NOT NULL,
    "bay_id" INTEGER,

    CONSTRAINT "pending_batch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipt" (
    "id" SERIAL NOT NULL,
    "purchase_order_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "receipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipt_line" (
    "id" SERIAL NOT NULL,
    "receipt_id" INTEGER NOT NULL,
    "line_id" INTEGER NOT NULL,
    "quantity" DECIMAL(18,4) NOT NULL,
    "unit_cost" DECIMAL(18,6) NOT NULL,

    CONSTRAINT "receipt_line_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "supplier_name_key" ON "supplier"("name");

-- CreateIndex
CREATE INDEX "purchase_order_status_idx" ON "purchase_order"("status");

-- CreateIndex
CREATE INDEX "purchase_order_line_product_id_idx" ON "purchase_order_line"("product_id");

-- CreateIndex
CREATE UNIQUE INDEX "purchase_order_line_purchase_order_id_line_number_key" ON "purchase_order_line"("purchase_order_id", "line_number");

-- CreateIndex
CREATE INDEX "pending_serial_line_id_idx" ON "pending_serial"("line_id");

-- CreateIndex
CREATE UNIQUE INDEX "pending_serial_product_id_serial_key" ON "pending_serial"("product_id", "serial");

-- CreateIndex
CREATE UNIQUE INDEX "pending_batch_line_id_number_bay_id_key" ON "pending_batch"("line_id", "number", "bay_id") NULLS NOT DISTINCT;

-- CreateIndex
CREATE INDEX "receipt_purchase_order_id_idx" ON "receipt"("purchase_order_id");

-- AddForeignKey
ALTER TABLE "purchase_order" ADD CONSTRAINT "purchase_order_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "supplier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order" ADD CONSTRAINT "purchase_order_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order" ADD CONSTRAINT "purchase_order_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "bay"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order" ADD CONSTRAINT "purchase_order_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order_line" ADD CONSTRAINT "purchase_order_line_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "purchase_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchase_order_line" ADD CONSTRAINT "purchase_order_line_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_serial" ADD CONSTRAINT "pending_serial_line_id_fkey" FOREIGN KEY ("line_id") REFERENCES "purchase_order_line"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_serial" ADD CONSTRAINT "pending_serial_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_serial" ADD CONSTRAINT "pending_serial_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "bay"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_batch" ADD CONSTRAINT "pending_batch_line_id_fkey" FOREIGN KEY ("line_id") REFERENCES "purchase_order_line"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_batch" ADD CONSTRAINT "pending_batch_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "bay"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt" ADD CONSTRAINT "receipt_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "purchase_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt" ADD CONSTRAINT "receipt_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt_line" ADD CONSTRAINT "receipt_line_receipt_id_fkey" FOREIGN KEY ("receipt_id") REFERENCES "receipt"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt_line" ADD CONSTRAINT "receipt_line_line_id_fkey" FOREIGN KEY ("line_id") REFERENCES "purchase_order_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written rules the datamodel cannot express.
-- Never received more than ordered, whatever writes it.
ALTER TABLE "purchase_order_line" ADD CONSTRAINT "purchase_order_line_received_within_ordered"
  CHECK ("received_quantity" >= 0 AND "received_quantity" <= "quantity");
ALTER TABLE "purchase_order_line" ADD CONSTRAINT "purchase_order_line_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "purchase_order" ADD CONSTRAINT "purchase_order_exchange_rate_positive" CHECK ("exchange_rate" > 0);
ALTER TABLE "pending_batch" ADD CONSTRAINT "pending_batch_quantity_positive" CHECK ("quantity" > 0);
