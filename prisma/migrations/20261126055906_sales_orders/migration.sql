-- CreateEnum
CREATE TYPE "SalesOrderStatus" AS ENUM ('open', 'partially_shipped', 'shipped', 'cancelled');

-- AlterEnum
ALTER TYPE "MovementKind" ADD VALUE 'allocation';

-- AlterTable
ALTER TABLE "serial_number" ADD COLUMN     "so_line_id" INTEGER;

-- CreateTable
CREATE TABLE "customer" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sales_order" (
    "id" SERIAL NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "location_id" INTEGER NOT NULL,
    "reference" VARCHAR(100),
    "status" "SalesOrderStatus" NOT NULL DEFAULT 'open',
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sales_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sales_order_line" (
    "id" SERIAL NOT NULL,
    "sales_order_id" INTEGER NOT NULL,
    "line_number" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "quantity" DECIMAL(18,4) NOT NULL,
    "unit_price" DECIMAL(18,6) NOT NULL,
    "shipped_quantity" DECIMAL(18,4) NOT NULL DEFAULT 0,

    CONSTRAINT "sales_order_line_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "customer_name_key" ON "customer"("name");

-- CreateIndex
CREATE INDEX "sales_order_status_idx" ON "sales_order"("status");

-- CreateIndex
CREATE INDEX "sales_order_line_product_id_idx" ON "sales_order_line"("product_id");

-- CreateIndex
CREATE UNIQUE INDEX "sales_order_line_sales_order_id_line_number_key" ON "sales_order_line"("sales_order_id", "line_number");

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_so_line_id_fkey" FOREIGN KEY ("so_line_id") REFERENCES "sales_order_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sales_order" ADD CONSTRAINT "sales_order_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sales_order" ADD CONSTRAINT "sales_order_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sales_order" ADD CONSTRAINT "sales_order_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sales_order_line" ADD CONSTRAINT "sales_order_line_sales_order_id_fkey" FOREIGN KEY ("sales_order_id") REFERENCES "sales_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sales_order_line" ADD CONSTRAINT "sales_order_line_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written rules the datamodel cannot express.
ALTER TABLE "sales_order_line" ADD CONSTRAINT "sales_order_line_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "sales_order_line" ADD CONSTRAINT "sales_order_line_shipped_within_ordered"
  CHECK ("shipped_quantity" >= 0 AND "shipped_quantity" <= "quantity");
-- An allocated serial always names the one line it is promised to.
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_allocated_has_line"
  CHECK ("status" <> 'allocated' OR "so_line_id" IS NOT NULL);
