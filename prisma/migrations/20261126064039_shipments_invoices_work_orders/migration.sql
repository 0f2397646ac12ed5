-- CreateEnum
CREATE TYPE "ShipmentStatus" AS ENUM ('to_pick', 'shipped', 'cancelled');

-- CreateEnum
CREATE TYPE "InvoiceStatus" AS ENUM ('draft', 'issued', 'cancelled');

-- CreateEnum
CREATE TYPE "WorkOrderStatus" AS ENUM ('draft', 'in_progress', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "WorkOrderLineRole" AS ENUM ('input', 'output');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "MovementKind" ADD VALUE 'sale';
ALTER TYPE "MovementKind" ADD VALUE 'production';

-- AlterEnum
ALTER TYPE "SalesOrderStatus" ADD VALUE 'invoiced';

-- AlterTable
ALTER TABLE "sales_order_line" ADD COLUMN     "invoiced_quantity" DECIMAL(18,4) NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "serial_number" ADD COLUMN     "invoice_line_id" INTEGER,
ADD COLUMN     "shipment_line_id" INTEGER,
ADD COLUMN     "wo_line_id" INTEGER;

-- AlterTable
ALTER TABLE "stock_movement" ADD COLUMN     "customer_id" INTEGER,
ADD COLUMN     "document_line_id" INTEGER;

-- CreateTable
CREATE TABLE "batch_allocation" (
    "id" SERIAL NOT NULL,
    "batch_id" INTEGER NOT NULL,
    "location_id" INTEGER NOT NULL,
    "so_line_id" INTEGER,
    "wo_line_id" INTEGER,
    "quantity" DECIMAL(18,4) NOT NULL,

    CONSTRAINT "batch_allocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shipment" (
    "id" SERIAL NOT NULL,
    "sales_order_id" INTEGER NOT NULL,
    "status" "ShipmentStatus" NOT NULL DEFAULT 'to_pick',
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "shipped_at" TIMESTAMPTZ(3),

    CONSTRAINT "shipment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shipment_line" (
    "id" SERIAL NOT NULL,
    "shipment_id" INTEGER NOT NULL,
    "line_number" INTEGER NOT NULL,
    "so_line_id" INTEGER NOT NULL,
    "quantity" DECIMAL(18,4) NOT NULL,

    CONSTRAINT "shipment_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice" (
    "id" SERIAL NOT NULL,
    "sales_order_id" INTEGER NOT NULL,
    "status" "InvoiceStatus" NOT NULL DEFAULT 'draft',
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "issued_at" TIMESTAMPTZ(3),

    CONSTRAINT "invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_line" (
    "id" SERIAL NOT NULL,
    "invoice_id" INTEGER NOT NULL,
    "line_number" INTEGER NOT NULL,
    "so_line_id" INTEGER NOT NULL,
    "quantity" DECIMAL(18,4) NOT NULL,
    "unit_price" DECIMAL(18,6) NOT NULL,

    CONSTRAINT "invoice_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "work_order" (
    "id" SERIAL NOT NULL,
    "location_id" INTEGER NOT NULL,
    "reference" VARCHAR(100),
    "status" "WorkOrderStatus" NOT NULL DEFAULT 'draft',
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "work_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "work_order_line" (
    "id" SERIAL NOT NULL,
    "work_order_id" INTEGER NOT NULL,
    "role" "WorkOrderLineRole" NOT NULL,
    "line_number" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "quantity" DECIMAL(18,4) NOT NULL,

    CONSTRAINT "work_order_line_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "batch_allocation_batch_id_location_id_idx" ON "batch_allocation"("batch_id", "location_id");

-- CreateIndex
CREATE INDEX "batch_allocation_so_line_id_idx" ON "batch_allocation"("so_line_id");

-- CreateIndex
CREATE INDEX "batch_allocation_wo_line_id_idx" ON "batch_allocation"("wo_line_id");

-- CreateIndex
CREATE INDEX "shipment_sales_order_id_idx" ON "shipment"("sales_order_id");

-- CreateIndex
CREATE INDEX "shipment_line_so_line_id_idx" ON "shipment_line"("so_line_id");

-- CreateIndex
CREATE UNIQUE INDEX "shipment_line_shipment_id_line_number_key" ON "shipment_line"("shipment_id", "line_number");

-- CreateIndex
CREATE INDEX "invoice_sales_order_id_idx" ON "invoice"("sales_order_id");

-- CreateIndex
CREATE INDEX "invoice_line_so_line_id_idx" ON "invoice_line"("so_line_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoice_line_invoice_id_line_number_key" ON "invoice_line"("invoice_id", "line_number");

-- CreateIndex
CREATE INDEX "work_order_status_idx" ON "work_order"("status");

-- CreateIndex
CREATE INDEX "work_order_line_product_id_idx" ON "work_order_line"("product_id");

-- CreateIndex
CREATE UNIQUE INDEX "work_order_line_work_order_id_line_number_key" ON "work_order_line"("work_order_id", "line_number");

-- CreateIndex
-- Partial (hand-edited): only serials held by or sold on a sales order line are indexed, so
-- receiving or moving stock (so_line_id empty) does not update this index.
CREATE INDEX "serial_number_so_line_id_idx" ON "serial_number"("so_line_id") WHERE "so_line_id" IS NOT NULL;

-- CreateIndex
-- Partial (hand-edited), as above.
CREATE INDEX "serial_number_wo_line_id_idx" ON "serial_number"("wo_line_id") WHERE "wo_line_id" IS NOT NULL;

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_shipment_line_id_fkey" FOREIGN KEY ("shipment_line_id") REFERENCES "shipment_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_invoice_line_id_fkey" FOREIGN KEY ("invoice_line_id") REFERENCES "invoice_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_wo_line_id_fkey" FOREIGN KEY ("wo_line_id") REFERENCES "work_order_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_allocation" ADD CONSTRAINT "batch_allocation_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "batch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_allocation" ADD CONSTRAINT "batch_allocation_so_line_id_fkey" FOREIGN KEY ("so_line_id") REFERENCES "sales_order_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_allocation" ADD CONSTRAINT "batch_allocation_wo_line_id_fkey" FOREIGN KEY ("wo_line_id") REFERENCES "work_order_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shipment" ADD CONSTRAINT "shipment_sales_order_id_fkey" FOREIGN KEY ("sales_order_id") REFERENCES "sales_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shipment_line" ADD CONSTRAINT "shipment_line_shipment_id_fkey" FOREIGN KEY ("shipment_id") REFERENCES "shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shipment_line" ADD CONSTRAINT "shipment_line_so_line_id_fkey" FOREIGN KEY ("so_line_id") REFERENCES "sales_order_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice" ADD CONSTRAINT "invoice_sales_order_id_fkey" FOREIGN KEY ("sales_order_id") REFERENCES "sales_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_so_line_id_fkey" FOREIGN KEY ("so_line_id") REFERENCES "sales_order_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_order" ADD CONSTRAINT "work_order_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_order_line" ADD CONSTRAINT "work_order_line_work_order_id_fkey" FOREIGN KEY ("work_order_id") REFERENCES "work_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_order_line" ADD CONSTRAINT "work_order_line_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written rules the datamodel cannot express.
-- An allocated serial names exactly one document line it is promised to: a sales order line or a
-- work order input line. Two documents can never hold it at once.
ALTER TABLE "serial_number" DROP CONSTRAINT "serial_number_allocated_has_line";
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_allocated_has_one_line"
  CHECK ("status" <> 'allocated' OR num_nonnulls("so_line_id", "wo_line_id") = 1);
ALTER TABLE "batch_allocation" ADD CONSTRAINT "batch_allocation_one_line"
  CHECK (num_nonnulls("so_line_id", "wo_line_id") = 1);
ALTER TABLE "batch_allocation" ADD CONSTRAINT "batch_allocation_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "shipment_line" ADD CONSTRAINT "shipment_line_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "work_order_line" ADD CONSTRAINT "work_order_line_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "sales_order_line" ADD CONSTRAINT "sales_order_line_invoiced_within_ordered"
  CHECK ("invoiced_quantity" >= 0 AND "invoiced_quantity" <= "quantity");
