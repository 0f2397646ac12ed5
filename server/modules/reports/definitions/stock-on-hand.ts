import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { defineReport } from '../definition.ts';
import { filters, reportParams } from '../params.ts';

/**
 * What is on hand now, by location, bay, product and batch, with what is promised of it. Valued
 * as the stocktake values expected stock: the batch's cost, else the product's average cost.
 */
export const stockOnHandReport = defineReport({
  id: 'stockOnHand',
  title: 'Stock on hand',
  description: 'What is on hand now by location, bay, product and batch, what of it is allocated, and its value.',
  keywords: ['stock', 'on hand', 'inventory', 'balance', 'available'],
  params: z.object({ locationId: reportParams.locationId, bayId: reportParams.bayId, productId: reportParams.productId }),
  columns: [
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'location', label: 'Location', type: 'text' },
    { key: 'bay', label: 'Bay', type: 'text' },
    { key: 'batch', label: 'Batch', type: 'text' },
    { key: 'expiry', label: 'Expiry', type: 'date' },
    { key: 'quantity', label: 'On hand', type: 'quantity', total: 'sum' },
    { key: 'allocated', label: 'Allocated', type: 'quantity', total: 'sum' },
    { key: 'available', label: 'Available', type: 'quantity', total: 'sum' },
    { key: 'unitCost', label: 'Unit cost', type: 'money', cost: true },
    { key: 'value', label: 'Value', type: 'money', cost: true, total: 'sum' },
  ],
  keyset: [
    { key: 'sku', type: 'text' },
    { key: 'levelId', type: 'int' },
  ],
  async source(_db, p) {
    return Prisma.sql`
      SELECT s.*, s."quantity" - s."allocated" AS "available", ROUND(s."quantity" * s."unitCost", 2) AS "value"
      FROM (
        SELECT lv.id AS "levelId", pr.sku AS "sku", pr.name AS "productName", l.name AS "location", b.name AS "bay",
               ba.number AS "batch", ba.expiry AS "expiry", lv.quantity AS "quantity",
               CASE WHEN pr.serialised THEN (
                      SELECT COUNT(*) FROM serial_number sn
                      WHERE sn.product_id = lv.product_id AND sn.status = 'allocated'
                        AND sn.location_id = lv.location_id AND sn.bay_id IS NOT DISTINCT FROM lv.bay_id)
                    WHEN lv.batch_id IS NOT NULL THEN (
                      SELECT COALESCE(SUM(a.quantity), 0) FROM batch_allocation a
                      WHERE a.batch_id = lv.batch_id AND a.location_id = lv.location_id)
                    ELSE 0 END::numeric AS "allocated",
               COALESCE(ba.unit_cost, pr.average_cost) AS "unitCost"
        FROM stock_level lv
        JOIN product pr ON pr.id = lv.product_id
        JOIN location l ON l.id = lv.location_id
        LEFT JOIN bay b ON b.id = lv.bay_id
        LEFT JOIN batch ba ON ba.id = lv.batch_id
        WHERE lv.quantity <> 0 ${filters(
          p.locationId && Prisma.sql`lv.location_id = ${p.locationId}`,
          p.bayId && Prisma.sql`lv.bay_id = ${p.bayId}`,
          p.productId && Prisma.sql`lv.product_id = ${p.productId}`,
        )}
      ) s`;
  },
});
