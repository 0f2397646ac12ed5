-- DropForeignKey
ALTER TABLE "pending_serial" DROP CONSTRAINT "pending_serial_bay_id_fkey";

-- DropForeignKey
ALTER TABLE "pending_serial" DROP CONSTRAINT "pending_serial_line_id_fkey";

-- DropForeignKey
ALTER TABLE "pending_serial" DROP CONSTRAINT "pending_serial_product_id_fkey";

-- AlterTable
ALTER TABLE "serial_number" ADD COLUMN     "po_line_id" INTEGER;

-- Serials waiting on order lines move into serial_number with the status on_order, in entry order.
INSERT INTO "serial_number" ("product_id", "serial", "status", "bay_id", "po_line_id", "unit_cost")
SELECT "product_id", "serial", 'on_order', "bay_id", "line_id", 0 FROM "pending_serial" ORDER BY "id"
ON CONFLICT DO NOTHING;

-- DropTable
DROP TABLE "pending_serial";

-- AddForeignKey
ALTER TABLE "serial_number" ADD CONSTRAINT "serial_number_po_line_id_fkey" FOREIGN KEY ("po_line_id") REFERENCES "purchase_order_line"("id") ON DELETE SET NULL ON UPDATE CASCADE;
