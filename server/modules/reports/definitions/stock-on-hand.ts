import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { defineReport } from '../definition.ts';
import { filters, reportParams } from '../params.ts';

/**
 * What is on hand now, by location, bay, product and batch, with what is promised of it. Valued
 * as the ledger takes it out: a batch at the batch's cost, serials each at their own cost (the
 * level's unit cost is their average), plain stock at the product's average cost.
 *
 * A batch is promised to a document at a location, not in a bay: what a level holds of it is the
 * part that would leave from there, the bays taken as deliveries take them (no bay first, then by
 * bay), so the bays' allocated quantities add up to what the documents hold.
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
    { key: 'unitCost', label: 'Unit cost', type: 'unitCost', cost: true },
    { key: 'value', label: 'Value', type: 'money', cost: true, total: 'sum' },
  ],
  keyset: [
    { key: 'sku', type: 'text' },
    { key: 'levelId', type: 'int' },
  ],
  async source(_db, p) {
    return Prisma.sql`
      SELECT s."levelId", s."sku", s."productName", s."location", s."bay", s."batch", s."expiry", s."quantity", s."allocated",
             s."quantity" - s."allocated" AS "available",
             CASE WHEN s.serial_value IS NULL THEN s.cost ELSE ROUND(s.serial_value / s."quantity", 6) END AS "unitCost",
             ROUND(COALESCE(s.serial_value, s."quantity" * s.cost), 2) AS "value"
      FROM (
        SELECT lv.id AS "levelId", pr.sku AS "sku", pr.name AS "productName", l.name AS "location", b.name AS "bay",
               ba.number AS "batch", ba.expiry AS "expiry", lv.quantity AS "quantity",
               CASE WHEN pr.serialised THEN (
                      SELECT COUNT(*) FROM serial_number sn
                      WHERE sn.product_id = lv.product_id AND sn.status = 'allocated'
                        AND sn.location_id = lv.location_id AND sn.bay_id IS NOT DISTINCT FROM lv.bay_id)
                    WHEN lv.batch_id IS NOT NULL THEN LEAST(lv.quantity, GREATEST(0, (
                      SELECT COALESCE(SUM(a.quantity), 0) FROM batch_allocation a
                      WHERE a.batch_id = lv.batch_id AND a.location_id = lv.location_id) - lv.before))
                    ELSE 0 END::numeric AS "allocated",
               CASE WHEN pr.serialised THEN (
                      SELECT SUM(sn.unit_cost) FROM serial_number sn
                      WHERE sn.product_id = lv.product_id AND sn.status IN ('in_stock', 'allocated')
                        AND sn.location_id = lv.location_id AND sn.bay_id IS NOT DISTINCT FROM lv.bay_id)
                    END AS serial_value,
               COALESCE(ba.unit_cost, pr.average_cost) AS cost
        FROM (
          -- What the bays before this one hold of the same batch at the location (the order stock leaves in).
          SELECT x.*, COALESCE(SUM(GREATEST(x.quantity, 0)) OVER (
                   PARTITION BY x.product_id, x.location_id, x.batch_id ORDER BY x.bay_id NULLS FIRST
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
          FROM stock_level x
          WHERE true ${filters(
            p.locationId && Prisma.sql`x.location_id = ${p.locationId}`,
            p.productId && Prisma.sql`x.product_id = ${p.productId}`,
          )}
        ) lv
        JOIN product pr ON pr.id = lv.product_id
        JOIN location l ON l.id = lv.location_id
        LEFT JOIN bay b ON b.id = lv.bay_id
        LEFT JOIN batch ba ON ba.id = lv.batch_id
        WHERE lv.quantity <> 0 ${filters(p.bayId && Prisma.sql`lv.bay_id = ${p.bayId}`)}
      ) s`;
  },
});
