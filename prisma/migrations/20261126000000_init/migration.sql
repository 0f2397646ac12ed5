-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'purchasing', 'warehouse', 'sales', 'accountant', 'viewer');

-- CreateEnum
CREATE TYPE "AccountingProvider" AS ENUM ('xero', 'myob');

-- CreateEnum
CREATE TYPE "SerialStatus" AS ENUM ('in_stock', 'allocated', 'shipped', 'consumed', 'written_off', 'retired');

-- CreateEnum
CREATE TYPE "MovementKind" AS ENUM ('opening', 'adjustment', 'tracking_change');

-- CreateTable
CREATE TABLE "user" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "role" "Role" NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "base_currency" CHAR(3) NOT NULL DEFAULT 'AUD',
    "accounting_provider" "AccountingProvider",
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product" (
    "id" SERIAL NOT NULL,
    "sku" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "sellable" BOOLEAN NOT NULL DEFAULT false,
    "purchasable" BOOLEAN NOT NULL DEFAULT false,
    "stock_tracked" BOOLEAN NOT NULL DEFAULT false,
    "serialised" BOOLEAN NOT NULL DEFAULT false,
    "batch_tracked" BOOLEAN NOT NULL DEFAULT false,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sale_gl_code" VARCHAR(32),
    "selling_tax_rate" VARCHAR(32),
    "purchase_gl_code" VARCHAR(32),
    "purchase_tax_rate" VARCHAR(32),
    "asset_gl_code" VARCHAR(32),
    "average_cost" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "accounting_provider" "AccountingProvider",
    "accounting_external_id" VARCHAR(100),
    "accounting_linked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "location" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bay" (
    "id" SERIAL NOT NULL,
    "location_id" INTEGER NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bay_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "serial_number" (
    "id" SERIAL NOT NULL,
    "product_id" INTEGER NOT NULL,
    "serial" VARCHAR(100) NOT NULL,
    "status" "SerialStatus" NOT NULL,
    "location_id" INTEGER,
    "bay_id" INTEGER,
    "unit_cost" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "serial_number_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch" (
    "id" SERIAL NOT NULL,
    "product_id" INTEGER NOT NULL,
    "number" VARCHAR(100) NOT NULL,
    "expiry" DATE,
    "unit_cost" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_level" (
    "id" SERIAL NOT NULL,
    "product_id" INTEGER NOT NULL,
    "location_id" INTEGER NOT NULL,
    "bay_id" INTEGER,
    "batch_id" INTEGER,
    "quantity" DECIMAL(18,4) NOT NULL DEFAULT 0,

    CONSTRAINT "stock_level_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_movement" (
    "id" SERIAL NOT NULL,
    "kind" "MovementKind" NOT NULL,
    "product_id" INTEGER NOT NULL,
    "location_id" INTEGER NOT NULL,
    "bay_id" INTEGER,
    "batch_id" INTEGER,
    "quantity" DECIMAL(18,4) NOT NULL,
    "unit_cost" DECIMAL(18,6) NOT NULL,
    "gl_code" VARCHAR(32),
    "narrative" VARCHAR(500),
    "document_type" VARCHAR(40),
    "document_id" INTEGER,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_movement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_movement_serial" (
    "movement_id" INTEGER NOT NULL,
    "serial_id" INTEGER NOT NULL,
    "status" "SerialStatus" NOT NULL,

    CONSTRAINT "stock_movement_serial_pkey" PRIMARY KEY ("movement_id","serial_id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "user_id" INTEGER NOT NULL,
    "key" VARCHAR(100) NOT NULL,
    "procedure" VARCHAR(100) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("user_id","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "user_name_key" ON "user"("name");

-- CreateIndex
CREATE UNIQUE INDEX "user_token_hash_key" ON "user"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "product_sku_key" ON "product"("sku");

-- CreateIndex
CREATE INDEX "location_name_idx" ON "location"("name");

-- CreateIndex
CREATE UNIQUE INDEX "bay_location_id_name_key" ON "bay"("location_id", "name");

-- CreateIndex
CREATE INDEX "serial_number_product_id_status_location_id_idx" ON "serial_number"("product_id", "status", "location_id");

-- CreateIndex
CREATE UNIQUE INDEX "serial_number_product_id_serial_key" ON "serial_number"("product_id", "serial");

-- CreateIndex
CREATE UNIQUE INDEX "batch_product_id_number_key" ON "batch"("product_id", "number");

-- CreateIndex
CREATE INDEX "stock_level_location_id_idx" ON "stock_level"("location_id");

-- CreateIndex
CREATE UNIQUE INDEX "stock_level_product_id_location_id_bay_id_batch_id_key" ON "stock_level"("product_id", "location_id", "bay_id", "batch_id") NULLS NOT DISTINCT;

-- CreateIndex
CREATE INDEX "stock_movement_product_id_created_at_idx" ON "stock_movement"("product_id", "created_at");

-- CreateIndex
CREATE INDEX "stock_movement_location_id_created_at_idx" ON "stock_movement"("location_id", "created_at");

-- CreateIndex
CREATE INDEX "stock_movement_serial_serial_id_idx" ON "stock_movement_serial"("serial_id");

-- AddForeignKey
ALTER TABLE "bay" ADD CONSTRAINT "bay_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "bay"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch" ADD CONSTRAINT "batch_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_level" ADD CONSTRAINT "stock_level_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_level" ADD CONSTRAINT "stock_level_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_level" ADD CONSTRAINT "stock_level_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "bay"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_level" ADD CONSTRAINT "stock_level_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "batch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "bay"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "batch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement_serial" ADD CONSTRAINT "stock_movement_serial_movement_id_fkey" FOREIGN KEY ("movement_id") REFERENCES "stock_movement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement_serial" ADD CONSTRAINT "stock_movement_serial_serial_id_fkey" FOREIGN KEY ("serial_id") REFERENCES "serial_number"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written rules the datamodel cannot express (the schema engine does not diff them).

-- Stock never goes below zero, whatever writes it.
ALTER TABLE "stock_level" ADD CONSTRAINT "stock_level_quantity_not_negative" CHECK ("quantity" >= 0);

-- Settings is a single row.
ALTER TABLE "settings" ADD CONSTRAINT "settings_single_row" CHECK ("id" = 1);

-- The movement ledger is append-only: corrections are new movements, never edits.
CREATE FUNCTION "refuse_ledger_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the stock movement ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER "stock_movement_append_only" BEFORE UPDATE OR DELETE ON "stock_movement"
  FOR EACH ROW EXECUTE FUNCTION "refuse_ledger_change"();
CREATE TRIGGER "stock_movement_serial_append_only" BEFORE UPDATE OR DELETE ON "stock_movement_serial"
  FOR EACH ROW EXECUTE FUNCTION "refuse_ledger_change"();
