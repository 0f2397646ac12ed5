import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { defineReport } from '../definition.ts';
import { filters, reportParams, today } from '../params.ts';

/** How far ahead the report may look: ten years. */
const MAX_DAYS = 3650;

/**
 * Batches on hand that have expired or expire within N days, soonest first, where they are and
 * what they are worth (valued as stock on hand values them: the batch's cost).
 *
 * A batch expires at the end of its expiry day: on that day it has 0 days left and is not yet
 * expired; the day after it has -1 and is. Days are counted from today in the organisation's time
 * zone. Buckets are fixed whatever withinDays is, so a sheet's pivot keeps its columns: 'expired'
 * (days < 0), '≤30' (0–30), '≤60' (31–60), 'later' (61 and more). Batches without an expiry never
 * appear.
 *
 * Reads the current stock levels (stock_level, at most one row per product, place and batch) joined
 * to their batches by primary key. There is no index on batch.expiry; the levels with a batch are
 * scanned, which is bounded by the places stock sits in, not by the ledger.
 */
export const expiringBatchesReport = defineReport({
  id: 'expiringBatches',
  title: 'Expiring batches',
  description: 'Batches on hand that have expired or expire within a number of days, soonest first, with where they are and their value.',
  keywords: ['expiry', 'expiring', 'expired', 'batch', 'lot', 'shelf life', 'use by', 'recall'],
  params: z.object({
    withinDays: z
      .number()
      .int('must be a whole number of days')
      .min(0, 'must be 0 or more days')
      .max(MAX_DAYS, `must be at most ${MAX_DAYS} days`)
      .default(30)
      .meta({ label: 'Expiring within (days)', kind: 'integer', hint: 'Expired batches on hand are always listed' }),
    locationId: reportParams.locationId,
  }),
  columns: [
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'location', label: 'Location', type: 'text' },
    { key: 'bay', label: 'Bay', type: 'text' },
    { key: 'batch', label: 'Batch', type: 'text' },
    { key: 'expiry', label: 'Expiry', type: 'date' },
    { key: 'daysToExpiry', label: 'Days to expiry', type: 'integer' },
    { key: 'quantity', label: 'Quantity', type: 'quantity', total: 'sum' },
    { key: 'value', label: 'Value', type: 'money', cost: true, total: 'sum' },
    { key: 'bucket', label: 'Bucket', type: 'text' },
  ],
  keyset: [
    { key: 'expiry', type: 'date' },
    { key: 'sku', type: 'text' },
    { key: 'levelId', type: 'int' },
  ],
  async source(_db, p, { timeZone }) {
    const now = Prisma.sql`${today(timeZone)}::date`;
    return Prisma.sql`
      SELECT s.*,
             CASE WHEN s."daysToExpiry" < 0 THEN 'expired' WHEN s."daysToExpiry" <= 30 THEN '≤30'
                  WHEN s."daysToExpiry" <= 60 THEN '≤60' ELSE 'later' END AS "bucket"
      FROM (
        SELECT lv.id AS "levelId", pr.sku AS "sku", pr.name AS "productName", l.name AS "location", b.name AS "bay",
               ba.number AS "batch", ba.expiry AS "expiry", (ba.expiry - ${now})::int AS "daysToExpiry",
               lv.quantity AS "quantity", ROUND(lv.quantity * ba.unit_cost, 2) AS "value"
        FROM stock_level lv
        JOIN batch ba ON ba.id = lv.batch_id
        JOIN product pr ON pr.id = lv.product_id
        JOIN location l ON l.id = lv.location_id
        LEFT JOIN bay b ON b.id = lv.bay_id
        WHERE lv.quantity > 0 AND ba.expiry IS NOT NULL AND ba.expiry <= ${now} + ${p.withinDays}::int
          ${filters(p.locationId && Prisma.sql`lv.location_id = ${p.locationId}`)}
      ) s`;
  },
});
